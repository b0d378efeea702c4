using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

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
        Assert.Contains("[IX_AccessRequests_TenantId_Status_CreatedAt]", script);
        Assert.Contains("[IX_AccessRequests_TenantId_CreatedAt_Id]", script);
        Assert.Contains("datetimeoffset", script);
    }

    [Fact]
    public async Task Start_creates_and_migrates_the_sqlite_file_in_wal_mode()
    {
        await using var f = new PortalFixture(sqliteOnly: true);
        Assert.False(File.Exists(f.DatabasePath));

        await f.InitializeAsync();

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
        var sql = db.AccessRequests.Where(r => r.TenantId == tenant).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(25).ToQueryString();

        await using var conn = new SqliteConnection(f.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + sql[(sql.IndexOf("SELECT", StringComparison.Ordinal))..];
        cmd.Parameters.AddWithValue("@tenant", tenant.ToString().ToUpperInvariant());
        cmd.Parameters.AddWithValue("@p", 25);
        cmd.Parameters.AddWithValue("@__p_0", 25);
        var plan = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(3));
        Assert.Contains(plan, p => p.Contains("IX_AccessRequests_TenantId_CreatedAt_Id"));
        Assert.DoesNotContain(plan, p => p.Contains("TEMP B-TREE"));
    }
}
