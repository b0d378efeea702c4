using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>
/// Copies a SQLite file's write-ahead log back into the database in the background, off the writers' turn.
/// <para>
/// SQLite's default checkpoint runs inside the commit that takes the log past 1,000 pages: that commit copies the log
/// into the file and flushes it while it holds the one write lock, and every writer queued behind it waits. Under
/// 8 concurrent approvers that was ~100 commits of 15–22 ms in 15 s, a tenth of the writer's time with
/// <c>synchronous=Full</c> and half its commit time with <c>Normal</c> (docs/performance.md, "Ninth round").
/// </para>
/// <para>
/// Here commits only note that the log grew; a passive checkpoint on a connection of its own follows, at most one at a
/// time and no closer than <see cref="Spacing"/> to the previous one. A passive checkpoint takes no write lock: writers
/// go on appending to the log while it runs, and SQLite starts the log over once it has caught up. Commits still
/// checkpoint themselves past <see cref="BackstopPages"/> (<see cref="SqliteConnectionSettingsInterceptor"/>), so the
/// log stays bounded if this falls behind or fails. Checkpointing is crash-safe in SQLite: a process killed during one
/// loses nothing.
/// </para>
/// </summary>
internal sealed class SqliteCheckpointer(string connectionString)
{
    /// <summary>The log's size, in pages, past which a commit checkpoints itself (PRAGMA wal_autocheckpoint).</summary>
    internal const int BackstopPages = 10_000;

    internal static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    // Not pooled: the checkpoint's busy_timeout must not reach a connection EF later takes from the pool. Never creates
    // the file: a database deleted meanwhile (a test's, a reset) is not brought back empty.
    private readonly string _connectionString =
        new SqliteConnectionStringBuilder(connectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString();

    private int _running;
    private int _pending;
    private long _lastEnded;
    private int _completed;

    /// <summary>Checkpoints run so far.</summary>
    internal int Completed => Volatile.Read(ref _completed);

    /// <summary>The last checkpoint's answer: pages in the log, and pages of it copied into the database.</summary>
    internal (long LogPages, long CheckpointedPages)? Last { get; private set; }

    /// <summary>Why the last checkpoint failed, if it did (the next commit tries again).</summary>
    internal Exception? LastFailure { get; private set; }

    /// <summary>Called after each commit: a checkpoint follows soon, unless one is already on its way.</summary>
    public void Committed()
    {
        Volatile.Write(ref _pending, 1);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
            _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        while (true)
        {
            while (Interlocked.Exchange(ref _pending, 0) == 1)
            {
                var wait = Spacing - Stopwatch.GetElapsedTime(Volatile.Read(ref _lastEnded));
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                Interlocked.Exchange(ref _pending, 0); // commits during the wait are covered by this checkpoint
                await CheckpointAsync();
            }
            Volatile.Write(ref _running, 0);
            // A commit that came after the last look but before the flag was cleared started nothing: take it here.
            if (Volatile.Read(ref _pending) == 0 || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        }
    }

    private async Task CheckpointAsync()
    {
        try
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // Busy (another checkpoint is running, e.g. a commit's past the backstop): skip; the next commit asks again.
            command.CommandText = "PRAGMA busy_timeout=0";
            await command.ExecuteNonQueryAsync();
            // One row: busy (0 or 1), pages in the log, pages of it now in the database.
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync()) Last = (reader.GetInt64(1), reader.GetInt64(2));
            LastFailure = null;
            Interlocked.Increment(ref _completed);
        }
        catch (Exception ex)
        {
            // Best effort, off every caller's path: the commits past the backstop checkpoint themselves.
            LastFailure = ex;
        }
        finally
        {
            Volatile.Write(ref _lastEnded, Stopwatch.GetTimestamp());
        }
    }
}
