using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Persistence;

public sealed class ModelAndMigrationTests
{
    [Fact]
    public void Sqlite_migrations_are_in_step_with_the_model()
    {
        using var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.Sqlite, "Data Source=:memory:").Options);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --project src/LockboxPortal.Migrations.Sqlite");
    }

    [Fact]
    public void SqlServer_migrations_are_in_step_with_the_model_without_a_server()
    {
        using var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.SqlServer, "Server=(none);Database=Lockbox;Integrated Security=true").Options);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), "Run: dotnet ef migrations add <Name> --project src/LockboxPortal.Migrations.SqlServer");
    }

    [Fact]
    public void SqlServer_migrations_script_to_sql_with_the_blade_indexes()
    {
        using var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.SqlServer, "Server=(none);Database=Lockbox;Integrated Security=true").Options);
        var script = db.GetService<IMigrator>().GenerateScript();
        Assert.Contains("CREATE TABLE [AccessRequests]", script);
        Assert.Contains("[IX_AccessRequests_TenantId_Status_CreatedAt_Id]", script);
        Assert.Contains("[IX_AccessRequests_TenantId_CreatedAt_Id]", script);
        Assert.Contains("datetimeoffset", script);
    }

    [Fact]
    public async Task Start_creates_and_migrates_the_sqlite_file_in_wal_mode()
    {
        await using var f = new PortalFixture(sqliteOnly: true);
        Assert.False(File.Exists(f.DatabasePath));

        await f.InitializeAsync(fromTemplate: false);

        Assert.True(File.Exists(f.DatabasePath));
        await using var conn = new SqliteConnection(f.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
        cmd.CommandText = "SELECT count(*) FROM __EFMigrationsHistory;";
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task The_blades_first_page_query_uses_the_tenant_index_without_a_temporary_sort()
    {
        await using var f = new PortalFixture(sqliteOnly: true);
        await f.InitializeAsync();
        await using var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.Sqlite, f.ConnectionString).Options);
        var tenant = Guid.NewGuid();

        var plan = await PlanAsync(f, db.AccessRequests.Where(r => r.TenantId == tenant)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(25).ToQueryString());

        Assert.Contains(plan, p => p.Contains("IX_AccessRequests_TenantId_CreatedAt_Id"));
        Assert.DoesNotContain(plan, p => p.Contains("TEMP B-TREE"));
    }

    [Theory]
    [InlineData(AccessRequestStatus.CustomerNotified)]
    [InlineData(AccessRequestStatus.Approved)]
    [InlineData(AccessRequestStatus.Denied)]
    public async Task A_status_filtered_page_seeks_the_tenant_status_index_without_a_temporary_sort(AccessRequestStatus status)
    {
        await using var f = new PortalFixture(sqliteOnly: true);
        await f.InitializeAsync();
        await using var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.Sqlite, f.ConnectionString).Options);
        await WriteProductionLikeStatisticsAsync(f);
        var tenant = Guid.NewGuid();
        var filtered = db.AccessRequests.Where(r => r.TenantId == tenant).Where(AccessRequestLifecycle.HasStatus(status, DateTimeOffset.UtcNow));

        var plan = await PlanAsync(f, filtered.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(25).ToQueryString());

        Assert.Contains(plan, p => p.Contains("IX_AccessRequests_TenantId_Status_CreatedAt_Id"));
        Assert.DoesNotContain(plan, p => p.Contains("TEMP B-TREE"));
    }

    [Fact]
    public async Task The_optimize_worker_gathers_planner_statistics_for_the_requests()
    {
        await using var f = new PortalFixture(sqliteOnly: true);
        await f.InitializeAsync();
        for (var i = 0; i < 3; i++) await f.PendingContosoRequestAsync();

        await using (var db = await f.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync())
            await LockboxPortal.Infrastructure.Workers.SqliteOptimizeWorker.OptimizeAsync(db, CancellationToken.None);

        await using var conn = new SqliteConnection(f.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT stat FROM sqlite_stat1 WHERE idx = 'IX_AccessRequests_TenantId_Status_CreatedAt_Id'";
        Assert.StartsWith("3 ", (string?)await cmd.ExecuteScalarAsync());
    }

    /// <summary>
    /// The planner statistics SqliteOptimizeWorker's ANALYZE gathered on the 1,000,000-request benchmark file
    /// (1,000 tenants, 7 statuses; see docs/performance.md). An empty test file has none, and without them
    /// SQLite guesses.
    /// </summary>
    private static async Task WriteProductionLikeStatisticsAsync(PortalFixture f)
    {
        await using var conn = new SqliteConnection(f.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            ANALYZE;
            DELETE FROM sqlite_stat1 WHERE tbl = 'AccessRequests';
            INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
              ('AccessRequests', 'IX_AccessRequests_TenantId_Status_CreatedAt_Id', '1000000 1000 200 1 1'),
              ('AccessRequests', 'IX_AccessRequests_TenantId_CreatedAt_Id', '1000000 1000 1 1'),
              ('AccessRequests', 'IX_AccessRequests_EngineerOid_CreatedAt_Id', '1000000 5000 1 1'),
              ('AccessRequests', 'IX_AccessRequests_TicketId_CreatedAt', '1000000 2 1'),
              ('AccessRequests', 'IX_AccessRequests_Status_PendingUntil', '1000000 142858 1'),
              ('AccessRequests', 'IX_AccessRequests_Status_AccessEndsAt', '1000000 142858 2'),
              ('AccessRequests', 'IX_AccessRequests_Status_ReminderDueAt', '1000000 142858 1005'),
              ('AccessRequests', 'sqlite_autoindex_AccessRequests_1', '1000000 1');
            """;
        await cmd.ExecuteNonQueryAsync();
        SqliteConnection.ClearAllPools(); // statistics are read when a connection loads the schema
    }

    /// <summary>EXPLAIN QUERY PLAN of EF's SQL; parameters are bound to NULL, which leaves the plan as it is.</summary>
    private static async Task<List<string>> PlanAsync(PortalFixture f, string sql)
    {
        await using var conn = new SqliteConnection(f.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + sql[sql.IndexOf("SELECT", StringComparison.Ordinal)..];
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(cmd.CommandText, "@[A-Za-z_][A-Za-z0-9_]*"))
            if (!cmd.Parameters.Contains(m.Value)) cmd.Parameters.AddWithValue(m.Value, DBNull.Value);
        var plan = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        return plan;
    }
}
