using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Persistence;

/// <summary>SQLite writers of one process queue on a gate per file instead of polling the file lock.</summary>
public sealed class WriteGateTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(sqliteOnly: true);

    public Task InitializeAsync() => _f.InitializeAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    /// <summary>
    /// Another writer's flow (a different circuit or request), which does not inherit this one's turn.
    /// <see cref="Writer.Queued"/> completes once the writer has asked for its turn: from then on it either
    /// holds the gate or waits in its queue, so the tests need no sleep to know it got that far.
    /// </summary>
    private sealed record Writer(Task Queued, Task<IDisposable?> Turn);

    private static Writer OtherFlow(LockboxDbContext db, CancellationToken ct)
    {
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (ExecutionContext.SuppressFlow())
            return new Writer(queued.Task, Task.Run(async () =>
            {
                var turn = db.EnterWriteAsync(ct);
                queued.SetResult();
                return await turn;
            }));
    }

    private Task<LockboxDbContext> NewContextAsync() =>
        _f.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task A_second_writer_waits_for_the_first_and_goes_as_soon_as_it_is_done()
    {
        await using var first = await NewContextAsync();
        await using var second = await NewContextAsync();

        var turn = await first.EnterWriteAsync(CancellationToken.None);
        Assert.NotNull(turn);
        var waiting = OtherFlow(second, CancellationToken.None);
        await waiting.Queued;
        Assert.False(waiting.Turn.IsCompleted, "The second writer must wait while the first holds the gate.");

        turn!.Dispose();
        var next = await waiting.Turn.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(next);
        next!.Dispose();
    }

    [Fact]
    public async Task A_nested_write_in_the_same_flow_does_not_wait_for_itself()
    {
        await using var outer = await NewContextAsync();
        await using var inner = await NewContextAsync();

        using var turn = await outer.EnterWriteAsync(CancellationToken.None);
        var nested = inner.EnterWriteAsync(CancellationToken.None).AsTask();

        Assert.Null(await nested.WaitAsync(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_cancelled_wait_takes_no_turn_and_leaves_the_gate_usable()
    {
        await using var first = await NewContextAsync();
        await using var second = await NewContextAsync();
        var turn = await first.EnterWriteAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = OtherFlow(second, cancel.Token);
        await waiting.Queued;
        Assert.False(waiting.Turn.IsCompleted, "The second writer must wait while the first holds the gate.");
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Turn);

        turn!.Dispose();
        var again = await OtherFlow(second, CancellationToken.None).Turn.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(again);
        again!.Dispose();
    }
}
