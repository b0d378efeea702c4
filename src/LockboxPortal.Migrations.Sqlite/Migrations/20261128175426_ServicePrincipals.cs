using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.Sqlite.Migrations
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubscriptionId = table.Column<string>(type: "TEXT", unicode: false, maxLength: 36, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 90, nullable: false),
                    Location = table.Column<string>(type: "TEXT", unicode: false, maxLength: 40, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    AppId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ApplicationObjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PrincipalObjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SubscriptionId = table.Column<string>(type: "TEXT", unicode: false, maxLength: 36, nullable: false),
                    ResourceGroupName = table.Column<string>(type: "TEXT", maxLength: 90, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scopes = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Directory = table.Column<string>(type: "TEXT", unicode: false, maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedByOid = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedByName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Version = table.Column<Guid>(type: "TEXT", nullable: false)
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
                    KeyId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ServicePrincipalId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Hint = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    StartsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EndsAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", unicode: false, maxLength: 200, nullable: true)
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
