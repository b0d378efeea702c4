using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ApprovalPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RequiredApprovals",
                table: "Tenants",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "TimeZoneId",
                table: "Tenants",
                type: "TEXT",
                maxLength: 100,
                nullable: false,
                defaultValue: "UTC");

            migrationBuilder.AddColumn<int>(
                name: "ApprovalCount",
                table: "AccessRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "EngineerTenantId",
                table: "AccessRequests",
                type: "TEXT",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<Guid>(
                name: "PolicyRuleId",
                table: "AccessRequests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "PolicyRuleVersion",
                table: "AccessRequests",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PolicySummary",
                table: "AccessRequests",
                type: "TEXT",
                maxLength: 300,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Reason",
                table: "AccessRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "RequiredApprovals",
                table: "AccessRequests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "ApprovalRules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RuleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    IsCurrent = table.Column<bool>(type: "INTEGER", nullable: false),
                    SupportOrganization = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Product = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    ScopeKind = table.Column<int>(type: "INTEGER", nullable: true),
                    SubscriptionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    MaxDurationMinutes = table.Column<int>(type: "INTEGER", nullable: true),
                    Weekdays = table.Column<int>(type: "INTEGER", nullable: true),
                    WindowStartMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    WindowEndMinute = table.Column<int>(type: "INTEGER", nullable: true),
                    Severity = table.Column<int>(type: "INTEGER", nullable: true),
                    Reason = table.Column<int>(type: "INTEGER", nullable: true),
                    Action = table.Column<int>(type: "INTEGER", nullable: false),
                    RequiredApprovals = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedByOid = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApprovalRules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ApprovalRules_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RequestApprovals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestId = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApproverOid = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApproverName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ApprovedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    GrantedMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RequestApprovals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RequestApprovals_AccessRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "AccessRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TenantSubscriptions",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubscriptionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    RequiredApprovals = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TenantSubscriptions", x => new { x.TenantId, x.SubscriptionId });
                    table.ForeignKey(
                        name: "FK_TenantSubscriptions_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "SubscriptionApprovers",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubscriptionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApproverOid = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApproverName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ApproverEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubscriptionApprovers", x => new { x.TenantId, x.SubscriptionId, x.ApproverOid });
                    table.ForeignKey(
                        name: "FK_SubscriptionApprovers_TenantSubscriptions_TenantId_SubscriptionId",
                        columns: x => new { x.TenantId, x.SubscriptionId },
                        principalTable: "TenantSubscriptions",
                        principalColumns: new[] { "TenantId", "SubscriptionId" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ApprovalRules_RuleId_Version",
                table: "ApprovalRules",
                columns: new[] { "RuleId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ApprovalRules_TenantId_IsCurrent_Position",
                table: "ApprovalRules",
                columns: new[] { "TenantId", "IsCurrent", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_RequestApprovals_RequestId_ApproverOid",
                table: "RequestApprovals",
                columns: new[] { "RequestId", "ApproverOid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SubscriptionApprovers_ApproverOid_TenantId",
                table: "SubscriptionApprovers",
                columns: new[] { "ApproverOid", "TenantId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ApprovalRules");

            migrationBuilder.DropTable(
                name: "RequestApprovals");

            migrationBuilder.DropTable(
                name: "SubscriptionApprovers");

            migrationBuilder.DropTable(
                name: "TenantSubscriptions");

            migrationBuilder.DropColumn(
                name: "RequiredApprovals",
                table: "Tenants");

            migrationBuilder.DropColumn(
                name: "TimeZoneId",
                table: "Tenants");

            migrationBuilder.DropColumn(
                name: "ApprovalCount",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "EngineerTenantId",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "PolicyRuleId",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "PolicyRuleVersion",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "PolicySummary",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "Reason",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "RequiredApprovals",
                table: "AccessRequests");
        }
    }
}
