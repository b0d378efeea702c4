using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class BladeStatusIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AccessRequests_TenantId_Status_CreatedAt",
                table: "AccessRequests");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRequests_TenantId_Status_CreatedAt_Id",
                table: "AccessRequests",
                columns: new[] { "TenantId", "Status", "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AccessRequests_TenantId_Status_CreatedAt_Id",
                table: "AccessRequests");

            migrationBuilder.CreateIndex(
                name: "IX_AccessRequests_TenantId_Status_CreatedAt",
                table: "AccessRequests",
                columns: new[] { "TenantId", "Status", "CreatedAt" });
        }
    }
}
