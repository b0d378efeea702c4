using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    // One gate per SQLite file: SQLite takes one writer at a time, and a writer that finds the lock taken
    // polls it; queueing writers in-process hands the lock over the moment the previous commit ends.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    // Set while this async flow holds its file's gate, so a nested write on the same flow does not wait for itself.
    private static readonly AsyncLocal<SemaphoreSlim?> HeldGate = new();

    // Not an async method on purpose: the flag is set in the caller's flow (an async method's changes to an
    // AsyncLocal do not reach its caller), so a nested write in the same flow sees it and does not wait for itself.
    public ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        if (!Database.IsSqlite()) return ValueTask.FromResult<IDisposable?>(null);
        var gate = WriteGates.GetOrAdd(Database.GetDbConnection().DataSource ?? "", _ => new SemaphoreSlim(1, 1));
        if (ReferenceEquals(HeldGate.Value, gate)) return ValueTask.FromResult<IDisposable?>(null);
        HeldGate.Value = gate;
        var wait = gate.WaitAsync(cancellationToken);
        return wait.IsCompletedSuccessfully ? ValueTask.FromResult<IDisposable?>(new Turn(gate)) : AwaitTurnAsync(wait, gate);
    }

    private static async ValueTask<IDisposable?> AwaitTurnAsync(Task wait, SemaphoreSlim gate)
    {
        await wait;
        return new Turn(gate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            HeldGate.Value = null;
            gate.Release();
        }
    }
}
