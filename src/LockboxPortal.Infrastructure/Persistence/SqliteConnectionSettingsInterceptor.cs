using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>How hard SQLite pushes each commit to the disk (PRAGMA synchronous, a per-connection setting).</summary>
public enum SqliteSynchronous
{
    /// <summary>Every commit is on the disk before it returns: nothing committed is lost, even on power loss.</summary>
    Full,

    /// <summary>
    /// In WAL mode, commits reach the disk at checkpoints: a process crash loses nothing, a power loss or OS
    /// crash can lose the last commits (the file stays consistent). Several times fewer fsyncs per decision.
    /// </summary>
    Normal,
}

/// <summary>
/// Per-connection settings (they do not persist in the file), set on every connection EF opens:
/// <list type="bullet">
/// <item>PRAGMA synchronous, see <see cref="SqliteSynchronous"/>;</item>
/// <item>PRAGMA busy_timeout: a writer that finds the write lock taken waits inside SQLite, retrying within a
/// millisecond or two. Without it Microsoft.Data.Sqlite's own retry loop sleeps 150 ms per attempt, which
/// under 8 concurrent approvers spent 82 % of each decision asleep (a dotnet-trace of the benchmark).</item>
/// <item>the function <c>lockbox_like</c> (<see cref="SqliteUnicodeLike"/>) that searches use for text outside ASCII.</item>
/// </list>
/// </summary>
internal sealed class SqliteConnectionSettingsInterceptor(SqliteSynchronous level, TimeSpan busyTimeout) : DbConnectionInterceptor
{
    private readonly string _pragma =
        $"PRAGMA synchronous={level.ToString().ToUpperInvariant()}; PRAGMA busy_timeout={(int)busyTimeout.TotalMilliseconds};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite) SqliteUnicodeLike.Register(sqlite);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = _pragma;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite) SqliteUnicodeLike.Register(sqlite);
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = _pragma;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
