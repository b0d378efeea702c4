using System.Data.Common;
using LockboxPortal.Domain.Audit;
using Microsoft.Extensions.DependencyInjection;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Persistence;

/// <summary>
/// The retry path Azure SQL takes (EnableRetryOnFailure), run here on SQLite with a retrying execution strategy and
/// an interceptor that fails one commit with a transient error: before the commit (rolled back, so it must replay on
/// a clean unit of work), and after it (the outcome is unknown to the caller, so it must be read back, not replayed
/// into a conflict with itself). Either way the decision lands once, with one audit entry, one grant and one email.
/// </summary>
public sealed class TransientFailureTests : IAsyncLifetime
{
    private readonly FailOneCommit _fault = new();
    private readonly PortalFixture _f;

    public TransientFailureTests() =>
        _f = new PortalFixture(sqliteOnly: true, services: s => s.ConfigureDbContext<LockboxDbContext>(o => o
            .UseSqlite(x => x.ExecutionStrategy(d => new RetryOnTransientFault(d)))
            .AddInterceptors(_fault)));

    public Task InitializeAsync() => _f.InitializeAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_decision_whose_commit_fails_transiently_lands_once(bool failAfterCommit)
    {
        var pending = await _f.PendingContosoRequestAsync();
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());
        var outboxBefore = await _f.Db(db => db.OutboxMessages.CountAsync());

        _fault.Arm(failAfterCommit);
        var approved = await _f.Lockbox(Adam, s => s.ApproveAsync(pending.Id, new ApproveCommand()));

        Assert.Equal(1, _fault.Failures);
        Assert.Equal(AccessRequestStatus.Approved, approved.Status);
        Assert.Equal("Adam Price", approved.DecidedByName);
        var trail = await _f.Db(db => db.AuditEntries.Where(e => e.Sequence > 0).OrderBy(e => e.Sequence).Skip(auditBefore).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.RequestApproved, AuditActions.GrantIssued], trail);
        Assert.Equal(1, await _f.Db(db => db.AccessGrants.CountAsync(g => g.RequestId == pending.Id)));
        // Once each: the engineer's email and the opener's.
        Assert.Equal(outboxBefore + 2, await _f.Db(db => db.OutboxMessages.CountAsync()));
        var subjects = await _f.Db(db => db.OutboxMessages.Where(m => m.AccessRequestId == pending.Id).Select(m => m.Subject).ToListAsync());
        Assert.Single(subjects, x => x.StartsWith("Approved:", StringComparison.Ordinal));
        Assert.Single(subjects, x => x.StartsWith("Access approved", StringComparison.Ordinal));
        Assert.Equal(AccessRequestStatus.Approved, await _f.Db(db => db.AccessRequests.Where(r => r.Id == pending.Id).Select(r => r.Status).SingleAsync()));
    }

    [Fact]
    public async Task A_failure_that_keeps_coming_back_gives_up_and_leaves_nothing_behind()
    {
        var pending = await _f.PendingContosoRequestAsync();
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());

        _fault.Arm(afterCommit: false, times: 100);
        await Assert.ThrowsAsync<RetryLimitExceededException>(() => _f.Lockbox(Adam, s => s.DenyAsync(pending.Id, new DenyCommand("Not during the freeze."))));
        _fault.Disarm();

        Assert.Equal(auditBefore, await _f.Db(db => db.AuditEntries.CountAsync()));
        Assert.Equal(AccessRequestStatus.CustomerNotified, await _f.Db(db => db.AccessRequests.Where(r => r.Id == pending.Id).Select(r => r.Status).SingleAsync()));
    }

    private sealed class TransientFault() : Exception("A transient fault injected by the test.");

    private sealed class RetryOnTransientFault(ExecutionStrategyDependencies dependencies)
        : ExecutionStrategy(dependencies, maxRetryCount: 3, maxRetryDelay: TimeSpan.FromMilliseconds(20))
    {
        protected override bool ShouldRetryOn(Exception exception) => exception is TransientFault;
    }

    private sealed class FailOneCommit : DbTransactionInterceptor
    {
        private int _remaining;
        private bool _afterCommit;
        public int Failures;

        public void Arm(bool afterCommit, int times = 1) => (_afterCommit, _remaining, Failures) = (afterCommit, times, 0);

        public void Disarm() => _remaining = 0;

        private void MaybeFail()
        {
            if (Interlocked.Decrement(ref _remaining) < 0) { _remaining = 0; return; }
            Interlocked.Increment(ref Failures);
            throw new TransientFault();
        }

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(DbTransaction transaction, TransactionEventData eventData,
            InterceptionResult result, CancellationToken cancellationToken = default)
        {
            if (!_afterCommit) MaybeFail();
            return ValueTask.FromResult(result);
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (_afterCommit) MaybeFail();
            return Task.CompletedTask;
        }
    }
}
