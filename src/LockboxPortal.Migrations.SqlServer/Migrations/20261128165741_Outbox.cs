using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class Outbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ReminderDueAt",
                table: "AccessRequests",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ReminderSentAt",
                table: "AccessRequests",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_OutboxMessages_TenantId_Status_CreatedAt",
                table: "OutboxMessages",
                columns: new[] { "TenantId", "Status", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AccessRequests_Status_ReminderDueAt",
                table: "AccessRequests",
                columns: new[] { "Status", "ReminderDueAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_OutboxMessages_TenantId_Status_CreatedAt",
                table: "OutboxMessages");

            migrationBuilder.DropIndex(
                name: "IX_AccessRequests_Status_ReminderDueAt",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "ReminderDueAt",
                table: "AccessRequests");

            migrationBuilder.DropColumn(
                name: "ReminderSentAt",
                table: "AccessRequests");
        }
    }
}
