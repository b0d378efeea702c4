namespace LockboxPortal.Infrastructure.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start (on by default; turn off where a pipeline migrates).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>
    /// SQLite only: Full (the default) makes every committed decision durable before it returns, even across a
    /// power loss; Normal (WAL) survives process crashes but may lose the last commits on power loss, for
    /// several times fewer disk flushes. See docs/performance.md.
    /// </summary>
    public SqliteSynchronous SqliteSynchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>How often SQLite's planner statistics are refreshed (PRAGMA optimize); also once at start.</summary>
    public TimeSpan OptimizeInterval { get; set; } = TimeSpan.FromHours(6);

    public const string SqliteMigrationsAssembly = "LockboxPortal.Migrations.Sqlite";
    public const string SqlServerMigrationsAssembly = "LockboxPortal.Migrations.SqlServer";
    public const string DefaultSqliteConnection = "Data Source=data/lockbox.db";
}
