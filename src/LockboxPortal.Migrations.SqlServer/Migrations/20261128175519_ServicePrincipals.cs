using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class ServicePrincipals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ResourceGroups",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    TenantId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SubscriptionId = table.Column<string>(type: "varchar(36)", unicode: false, maxLength: 36, nullable: false),
                    Name = table.Column<string>(type: "nvarchar(90)", maxLength: 90, nullable: false),
                    Location = table.Column<string>(type: "varchar(40)", unicode: false, maxLength: 40, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    CreatedByName = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ResourceGroups", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ResourceGroups_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ServicePrincipals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    TenantId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    DisplayName = table.Column<string>(type: "nvarchar(120)", maxLength: 120, nullable: false),
                    AppId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    ApplicationObjectId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    PrincipalObjectId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SubscriptionId = table.Column<string>(type: "varchar(36)", unicode: false, maxLength: 36, nullable: false),
                    ResourceGroupName = table.Column<string>(type: "nvarchar(90)", maxLength: 90, nullable: false),
                    Role = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Scopes = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: false),
                    Directory = table.Column<string>(type: "varchar(16)", unicode: false, maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    CreatedByOid = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    CreatedByName = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    Version = table.Column<Guid>(type: "uniqueidentifier", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServicePrincipals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ServicePrincipals_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ServicePrincipalCredentials",
                columns: table => new
                {
                    KeyId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    ServicePrincipalId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Hint = table.Column<string>(type: "nvarchar(3)", maxLength: 3, nullable: false),
                    StartsAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    EndsAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    SecretHash = table.Column<string>(type: "varchar(200)", unicode: false, maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServicePrincipalCredentials", x => x.KeyId);
                    table.ForeignKey(
                        name: "FK_ServicePrincipalCredentials_ServicePrincipals_ServicePrincipalId",
                        column: x => x.ServicePrincipalId,
                        principalTable: "ServicePrincipals",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ResourceGroups_TenantId_SubscriptionId_Name",
                table: "ResourceGroups",
                columns: new[] { "TenantId", "SubscriptionId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ServicePrincipalCredentials_ServicePrincipalId_EndsAt",
                table: "ServicePrincipalCredentials",
                columns: new[] { "ServicePrincipalId", "EndsAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ServicePrincipals_TenantId_AppId",
                table: "ServicePrincipals",
                columns: new[] { "TenantId", "AppId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ServicePrincipals_TenantId_DisplayName",
                table: "ServicePrincipals",
                columns: new[] { "TenantId", "DisplayName" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ResourceGroups");

            migrationBuilder.DropTable(
                name: "ServicePrincipalCredentials");

            migrationBuilder.DropTable(
                name: "ServicePrincipals");
        }
    }
}
