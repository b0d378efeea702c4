using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LockboxPortal.Migrations.SqlServer.Migrations
{
    /// <inheritdoc />
    public partial class PerTenantAuditChains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditEntries",
                table: "AuditEntries");

            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditCheckpoints",
                table: "AuditCheckpoints");

            migrationBuilder.DropPrimaryKey(
                name: "PK_AuditChainHeads",
                table: "AuditChainHeads");

            migrationBuilder.DropColumn(
                name: "Id",
                table: "AuditChainHeads");

            migrationBuilder.AddColumn<Guid>(
                name: "ChainId",
                table: "AuditEntries",
                type: "uniqueidentifier",
                nullable: false,
                defaultValue: new Guid("ffffffff-ffff-ffff-ffff-ffffffffffff"));

            migrationBuilder.AddColumn<Guid>(
                name: "ChainId",
                table: "AuditCheckpoints",
                type: "uniqueidentifier",
                nullable: false,
                defaultValue: new Guid("ffffffff-ffff-ffff-ffff-ffffffffffff"));

            migrationBuilder.AddColumn<long>(
                name: "Number",
                table: "AuditCheckpoints",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AnchoredAt",
                table: "AuditCheckpoints",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PreviousHash",
                table: "AuditCheckpoints",
                type: "varchar(64)",
                unicode: false,
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "ChainId",
                table: "AuditChainHeads",
                type: "uniqueidentifier",
                nullable: false,
                defaultValue: new Guid("ffffffff-ffff-ffff-ffff-ffffffffffff"));

            // Existing entries, checkpoints and the old head stay as they were, parked under the legacy chain id
            // (AuditChains.Legacy): AuditRechainer verifies them and splits them into per-tenant chains at the next
            // start (or `audit rechain`). An old checkpoint keeps its entry's number; an empty old head goes.
            migrationBuilder.Sql("UPDATE AuditCheckpoints SET Number = Sequence;");
            migrationBuilder.Sql("DELETE FROM AuditChainHeads WHERE Sequence = 0;");

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditEntries",
                table: "AuditEntries",
                columns: new[] { "ChainId", "Sequence" });

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditCheckpoints",
                table: "AuditCheckpoints",
                columns: new[] { "ChainId", "Number" });

            migrationBuilder.AddPrimaryKey(
                name: "PK_AuditChainHeads",
                table: "AuditChainHeads",
                column: "ChainId");

            migrationBuilder.InsertData(
                table: "AuditChainHeads",
                columns: new[] { "ChainId", "LastHash", "Sequence" },
                values: new object[] { new Guid("00000000-0000-0000-0000-000000000001"), "", 0L });

            migrationBuilder.CreateIndex(
                name: "IX_AuditCheckpoints_AnchoredAt",
                table: "AuditCheckpoints",
                column: "AnchoredAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Per-tenant chains cannot be put back into one chain without rewriting every hash: restore the
            // database from its backup taken before this migration instead.
            throw new NotSupportedException("PerTenantAuditChains cannot be reverted: restore the database from a backup taken before it.");
        }
    }
}
