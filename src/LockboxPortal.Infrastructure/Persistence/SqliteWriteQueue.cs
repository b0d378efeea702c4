using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>
/// The one writer SQLite allows per file, shared by this process's write transactions, with group commit.
/// <list type="bullet">
/// <item>Units queue in order for their turn instead of polling the file lock, so the lock passes to the next one
/// the moment the previous one is done.</item>
/// <item>A unit that finds writers queued behind it leaves its transaction open for them: the next unit runs in the
/// same transaction (on the first unit's connection, from a savepoint of its own), and the last one commits for all.
/// One commit writes each changed page once and flushes once, where each unit used to do both.</item>
/// <item>Each unit is still all or nothing: one that throws is rolled back to its savepoint and the others go on.
/// None returns before the commit that holds its writes; if that commit fails, every unit in it fails.</item>
/// <item>A batch closes when nobody is queued, or after <see cref="MaxUnits"/> units or <see cref="MaxOpen"/>, so
/// the first unit's wait for its commit stays bounded.</item>
/// </list>
/// </summary>
internal sealed class SqliteWriteQueue
{
    internal const int MaxUnits = 16;
    internal static readonly TimeSpan MaxOpen = TimeSpan.FromMilliseconds(50);
    private const string Savepoint = "lockbox_unit";

    private static readonly ConcurrentDictionary<string, SqliteWriteQueue> Queues = new(StringComparer.Ordinal);

    // Set while this async flow holds a file's turn, so a write started from it (a unit's own nested write, or work
    // it set off) does not wait for a turn the flow already holds: it takes SQLite's lock after the commit, as before.
    private static readonly AsyncLocal<SqliteWriteQueue?> Holding = new();

    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _waiting;

    // The transaction left open for the units queued behind; read and written only by the holder of the turn.
    private Batch? _open;

    public static SqliteWriteQueue For(string dataSource) => Queues.GetOrAdd(dataSource, _ => new SqliteWriteQueue());

    /// <summary>Units waiting for their turn.</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    private sealed class Batch(IDbContextTransaction transaction)
    {
        /// <summary>The first unit's transaction, on its context's connection.</summary>
        public IDbContextTransaction Transaction { get; } = transaction;

        /// <summary>When the first unit was done and the batch opened to the units queued behind it.</summary>
        public long OpenedAt { get; private set; }

        public void OpenToOthers() => OpenedAt = Stopwatch.GetTimestamp();

        /// <summary>One per unit whose writes are in the batch, completed by the commit.</summary>
        public List<TaskCompletionSource> Units { get; } = [];

        /// <summary>Set when a unit's rollback to its savepoint failed: the transaction can no longer be trusted.</summary>
        public Exception? Lost { get; set; }
    }

    public async Task<T> RunAsync<T>(LockboxDbContext db, Func<CancellationToken, Task<T>> unit, CancellationToken ct)
    {
        if (ReferenceEquals(Holding.Value, this)) return await db.OwnTransactionAsync(unit, ct);

        Interlocked.Increment(ref _waiting);
        try
        {
            // Not cancellable on purpose: a unit that saw this one queued may have left the batch open for it, and
            // only the holder of the turn closes a batch. A cancelled caller takes its turn, writes nothing and throws.
            await _turn.WaitAsync(CancellationToken.None);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        Holding.Value = this;
        TaskCompletionSource committed;
        T result;
        OwnConnection? own = null;
        try
        {
            ct.ThrowIfCancellationRequested();
            if (_open is { } batch && (own = await MoveOntoAsync(db, batch)) is not null)
            {
                result = await JoinAsync(db, batch, own, unit, ct);
                committed = Enlist(batch);
            }
            else
            {
                if (_open is { } unjoinable)
                {
                    // This context's connection could not be changed: the batch commits now and the unit leads its own.
                    _open = null;
                    await CloseAsync(unjoinable);
                }
                (result, committed) = await LeadAsync(db, unit, ct);
            }
        }
        finally
        {
            Holding.Value = null;
            await PassTurnAsync();
            // Opened again for the rest of its unit of work, as the factory had it, once the next writer is in.
            if (own is { WasOpen: true }) await db.Database.OpenConnectionAsync(CancellationToken.None);
        }
        await committed.Task;
        return result;
    }

    private async Task<(T, TaskCompletionSource)> LeadAsync<T>(LockboxDbContext db, Func<CancellationToken, Task<T>> unit, CancellationToken ct)
    {
        var batch = new Batch(await db.Database.BeginTransactionAsync(ct));
        T result;
        try
        {
            result = await unit(ct);
        }
        catch
        {
            await RollBackQuietlyAsync(batch.Transaction);
            throw;
        }
        batch.OpenToOthers();
        _open = batch;
        return (result, Enlist(batch));
    }

    /// <summary>What a context had before it moved onto a batch's connection.</summary>
    private sealed record OwnConnection(string? ConnectionString, bool WasOpen);

    /// <summary>Moves the context onto the batch's connection; null (and unchanged) if EF will not let go of its own.</summary>
    private static async Task<OwnConnection?> MoveOntoAsync(LockboxDbContext db, Batch batch)
    {
        var own = new OwnConnection(db.Database.GetConnectionString(), db.Database.GetDbConnection().State == ConnectionState.Open);
        // Closed first (balancing the factory's open), so EF lets go of its connection. EF never opened the batch's
        // connection, so it never closes it either.
        if (own.WasOpen) await db.Database.CloseConnectionAsync();
        try
        {
            db.Database.SetDbConnection(batch.Transaction.GetDbTransaction().Connection, contextOwnsConnection: false);
            return own;
        }
        catch (InvalidOperationException)
        {
            // The connection is still counted as open by someone else (an explicit open without its close).
            if (own.WasOpen) await db.Database.OpenConnectionAsync(CancellationToken.None);
            return null;
        }
    }

    /// <summary>
    /// Runs the unit in the batch's transaction, on its connection, from a savepoint: a unit that throws is rolled
    /// back to it, and the rest of the batch stands. The context is back on a connection of its own afterwards.
    /// </summary>
    private static async Task<T> JoinAsync<T>(LockboxDbContext db, Batch batch, OwnConnection own, Func<CancellationToken, Task<T>> unit, CancellationToken ct)
    {
        var shared = batch.Transaction.GetDbTransaction();
        IDbContextTransaction? joined = null;
        try
        {
            try
            {
                await shared.SaveAsync(Savepoint, CancellationToken.None);
            }
            catch (Exception ex)
            {
                batch.Lost = ex;
                throw;
            }
            joined = await db.Database.UseTransactionAsync(shared, CancellationToken.None);
            T result;
            try
            {
                result = await unit(ct);
            }
            catch
            {
                await RollBackToSavepointAsync(batch, shared);
                throw;
            }
            await shared.ReleaseAsync(Savepoint, CancellationToken.None);
            return result;
        }
        finally
        {
            // Disposing EF's handle on a transaction it did not start leaves the transaction alone and balances the
            // open EF counted for it; then the context gets a connection of its own again, as it had before (opened
            // again by the caller, outside the turn).
            if (joined is not null) await joined.DisposeAsync();
            db.Database.SetDbConnection(null, contextOwnsConnection: true);
            db.Database.SetConnectionString(own.ConnectionString);
        }
    }

    private static TaskCompletionSource Enlist(Batch batch)
    {
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        batch.Units.Add(committed);
        return committed;
    }

    private static async Task RollBackToSavepointAsync(Batch batch, DbTransaction shared)
    {
        try
        {
            await shared.RollbackAsync(Savepoint, CancellationToken.None);
            await shared.ReleaseAsync(Savepoint, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // E.g. SQLite rolled the whole transaction back itself (a full disk, an I/O error).
            batch.Lost = ex;
        }
    }

    /// <summary>Closes the open batch unless units are queued to join it, then lets the next unit in.</summary>
    private async Task PassTurnAsync()
    {
        try
        {
            if (_open is { } batch && (batch.Lost is not null || Waiting == 0 || batch.Units.Count >= MaxUnits
                                       || Stopwatch.GetElapsedTime(batch.OpenedAt) >= MaxOpen))
            {
                _open = null;
                await CloseAsync(batch);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private static async Task CloseAsync(Batch batch)
    {
        Exception failure;
        if (batch.Lost is { } lost)
        {
            failure = new InvalidOperationException(
                "The write was rolled back with the others it was committing with: their shared transaction failed. Nothing of it was saved; try again.", lost);
        }
        else
        {
            try
            {
                await batch.Transaction.CommitAsync(CancellationToken.None);
                await batch.Transaction.DisposeAsync();
                foreach (var unit in batch.Units) unit.TrySetResult();
                return;
            }
            catch (Exception ex)
            {
                // The provider's own error, as a unit alone would have had it (a retrying strategy classifies it).
                failure = ex;
            }
        }
        await RollBackQuietlyAsync(batch.Transaction);
        foreach (var unit in batch.Units) unit.TrySetException(failure);
    }

    // The failure that got here is the one to report; a rollback of an already rolled-back transaction adds nothing.
    private static async Task RollBackQuietlyAsync(IDbContextTransaction transaction)
    {
        try
        {
            await transaction.DisposeAsync();
        }
        catch (DbException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }
}
