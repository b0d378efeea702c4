using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Persistence;

/// <summary>
/// SQLite write transactions of one process queue for the one writer, and the units queued behind a running one
/// commit with it (<see cref="SqliteWriteQueue"/>): each still all or nothing, none acknowledged before its commit.
/// </summary>
public sealed class WriteQueueTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(sqliteOnly: true);

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        await using var db = await NewContextAsync();
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE Probe (Name TEXT NOT NULL)");
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<LockboxDbContext> NewContextAsync() =>
        _f.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();

    private SqliteWriteQueue Queue(LockboxDbContext db) => SqliteWriteQueue.For(db.Database.GetDbConnection().DataSource!);

    private static Task Insert(LockboxDbContext db, string name, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"INSERT INTO Probe (Name) VALUES ({name})", ct);

    private static Task<List<string>> Names(LockboxDbContext db, CancellationToken ct = default) =>
        db.Database.SqlQueryRaw<string>("SELECT Name AS Value FROM Probe ORDER BY Name").ToListAsync(ct);

    /// <summary>What is committed, read on a connection of its own (uncommitted writes are not visible there).</summary>
    private async Task<List<string>> CommittedNames()
    {
        await using var connection = new SqliteConnection(_f.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT Name FROM Probe ORDER BY Name";
        var names = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>A writer in a flow of its own (another circuit or request): it does not inherit this flow's turn.</summary>
    private static Task<T> OtherFlow<T>(Func<Task<T>> write)
    {
        using (ExecutionContext.SuppressFlow()) return Task.Run(write);
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(5);
        }
    }

    /// <summary>A first unit that writes "a" and holds the turn, its transaction open, until released.</summary>
    private async Task<(Task<string> First, TaskCompletionSource Release)> HoldTurnAsync()
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = OtherFlow(async () =>
        {
            await using var db = await NewContextAsync();
            return await db.InWriteTransactionAsync(async ct =>
            {
                await Insert(db, "a", ct);
                holding.SetResult();
                await release.Task;
                return "a";
            }, CancellationToken.None);
        });
        await holding.Task;
        return (first, release);
    }

    /// <summary>
    /// Runs a first unit that holds the turn until <paramref name="queued"/> writers wait behind it, so they join its
    /// batch; returns the first unit's task and the ones queued.
    /// </summary>
    private async Task<(Task<string> First, List<Task<string>> Queued)> BatchAsync(params Func<LockboxDbContext, CancellationToken, Task<string>>[] queued)
    {
        var (first, release) = await HoldTurnAsync();

        await using var probe = await NewContextAsync();
        var queue = Queue(probe);
        var tasks = new List<Task<string>>();
        foreach (var unit in queued)
        {
            tasks.Add(OtherFlow(async () =>
            {
                await using var db = await NewContextAsync();
                return await db.InWriteTransactionAsync(ct => unit(db, ct), CancellationToken.None);
            }));
            var count = tasks.Count;
            await Until(() => queue.Waiting == count, $"{count} writer(s) queued");
        }
        release.SetResult();
        return (first, tasks);
    }

    [Fact]
    public async Task Writers_queued_behind_a_unit_run_in_its_transaction_and_all_return_only_after_one_commit()
    {
        var seenInB = new List<string>();
        var committedDuringB = new List<string>();
        var (first, queued) = await BatchAsync(async (db, ct) =>
        {
            // The first unit's row is visible here: the same transaction, not yet committed.
            seenInB.AddRange(await Names(db, ct));
            committedDuringB.AddRange(await CommittedNames());
            await Insert(db, "b", ct);
            return "b";
        });

        Assert.Equal("a", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("b", await queued[0].WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["a"], seenInB);
        Assert.Empty(committedDuringB); // the first unit was not committed (nor acknowledged) before the second ran
        Assert.Equal(["a", "b"], await CommittedNames());
    }

    [Fact]
    public async Task A_unit_that_fails_in_a_batch_is_rolled_back_alone_and_the_others_commit()
    {
        var (first, queued) = await BatchAsync(
            async (db, ct) =>
            {
                await Insert(db, "b", ct);
                throw new InvalidOperationException("unit b refuses");
            },
            async (db, ct) =>
            {
                await Insert(db, "c", ct);
                return "c";
            });

        Assert.Equal("a", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => queued[0].WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("unit b refuses", refused.Message);
        Assert.Equal("c", await queued[1].WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["a", "c"], await CommittedNames());
    }

    [Fact]
    public async Task When_the_shared_transaction_is_lost_every_unit_in_it_fails_and_nothing_is_saved()
    {
        var (first, queued) = await BatchAsync(async (db, ct) =>
        {
            await Insert(db, "b", ct);
            // Ends the shared transaction under everyone's feet, as SQLite does itself on a full disk.
            await db.Database.ExecuteSqlRawAsync("ROLLBACK", ct);
            throw new InvalidOperationException("unit b failed");
        });

        var firstFailure = await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("Nothing of it was saved", firstFailure.Message);
        Assert.NotNull(firstFailure.InnerException); // why the shared transaction was lost
        await Assert.ThrowsAsync<InvalidOperationException>(() => queued[0].WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(await CommittedNames());

        // The queue goes on: the next write commits on its own.
        await using var db = await NewContextAsync();
        Assert.Equal("d", await db.InWriteTransactionAsync(async ct => { await Insert(db, "d", ct); return "d"; }, CancellationToken.None));
        Assert.Equal(["d"], await CommittedNames());
    }

    [Fact]
    public async Task A_cancelled_writer_writes_nothing_and_the_batch_it_was_queued_for_still_commits()
    {
        using var cancel = new CancellationTokenSource();
        var (first, release) = await HoldTurnAsync();
        await using var probe = await NewContextAsync();
        var ran = false;
        var cancelled = OtherFlow(async () =>
        {
            await using var db = await NewContextAsync();
            return await db.InWriteTransactionAsync(async ct => { ran = true; await Insert(db, "x", ct); return "x"; }, cancel.Token);
        });
        await Until(() => Queue(probe).Waiting == 1, "the second writer queued");
        cancel.Cancel();
        release.SetResult();

        Assert.Equal("a", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(ran);
        Assert.Equal(["a"], await CommittedNames());
        Assert.Equal(0, Queue(probe).Waiting);
    }

    [Fact]
    public async Task A_context_that_joined_a_batch_is_back_on_a_connection_of_its_own_afterwards()
    {
        // As the services get it: opened for the whole unit of work by the portal's factory.
        await using var joiner = (LockboxDbContext)await _f.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        var (first, release) = await HoldTurnAsync();
        var ownConnection = joiner.Database.GetDbConnection();
        Assert.Equal(System.Data.ConnectionState.Open, ownConnection.State);
        System.Data.Common.DbConnection? during = null;
        var second = OtherFlow(() => joiner.InWriteTransactionAsync(async ct =>
        {
            during = joiner.Database.GetDbConnection();
            await Insert(joiner, "b", ct);
            return "b";
        }, CancellationToken.None));
        await Until(() => Queue(joiner).Waiting == 1, "the second writer queued");
        release.SetResult();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(during);
        Assert.NotSame(ownConnection, during); // it wrote on the batch's connection
        var after = joiner.Database.GetDbConnection();
        Assert.NotSame(during, after);
        Assert.Equal(System.Data.ConnectionState.Open, after.State); // opened again, as the factory left it
        Assert.Null(joiner.Database.CurrentTransaction);

        // It reads what is committed, and a next unit on it runs as the first of a batch of its own.
        Assert.Equal(["a", "b"], await Names(joiner));
        await joiner.InWriteTransactionAsync(async ct => { await Insert(joiner, "c", ct); return 0; }, CancellationToken.None);
        Assert.Equal(["a", "b", "c"], await CommittedNames());
    }

    [Fact]
    public async Task A_context_whose_connection_cannot_be_changed_lets_the_batch_commit_and_writes_on_its_own()
    {
        // Opened twice and closed once by its caller: EF still counts it open and will not change its connection.
        await using var stuck = await NewContextAsync();
        await stuck.Database.OpenConnectionAsync();
        await stuck.Database.OpenConnectionAsync();
        var (first, release) = await HoldTurnAsync();
        List<string>? committedWhenItRan = null;
        var second = OtherFlow(() => stuck.InWriteTransactionAsync(async ct =>
        {
            committedWhenItRan = await CommittedNames();
            await Insert(stuck, "b", ct);
            return "b";
        }, CancellationToken.None));
        await Until(() => Queue(stuck).Waiting == 1, "the second writer queued");
        release.SetResult();

        Assert.Equal("a", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("b", await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["a"], committedWhenItRan); // the batch it could not join was committed before it ran
        Assert.Equal(["a", "b"], await CommittedNames());
        await stuck.Database.CloseConnectionAsync();
        await stuck.Database.CloseConnectionAsync();
    }

    [Fact]
    public async Task Concurrent_writers_all_commit_and_each_write_is_there_once()
    {
        var writers = Enumerable.Range(0, 24).Select(i => OtherFlow(async () =>
        {
            await using var db = await NewContextAsync();
            return await db.InWriteTransactionAsync(async ct =>
            {
                await Insert(db, $"w{i:00}", ct);
                return i;
            }, CancellationToken.None);
        })).ToList();
        var done = await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 24), done.Order());
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"w{i:00}"), await CommittedNames());
    }
}
