using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>§1 of approval policies: N distinct approvers, counted once each, a grant only at the quorum, one deny ends it.</summary>
public sealed class MultiPartyApprovalTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task RequireTwoApprovalsAsync(int n = 2) =>
        _f.As(Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().SetTenantPolicyAsync(new TenantPolicyCommand(n, "UTC")));

    private Task<int> GrantsAsync(Guid id) => _f.Db(db => db.AccessGrants.CountAsync(g => g.RequestId == id));

    [Fact]
    public async Task Under_a_two_approval_policy_the_first_approval_shows_one_of_two_and_the_second_issues_the_grant()
    {
        await RequireTwoApprovalsAsync();
        var r = await _f.PendingContosoRequestAsync();
        Assert.Equal(2, r.RequiredApprovals);
        Assert.Equal("0 of 2 approvals", r.ApprovalProgress);
        Assert.Equal("needs 2 approvals from Contoso (tenant policy)", r.PolicySummary);

        var first = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(Comment: "Fine by me")));
        Assert.Equal(AccessRequestStatus.CustomerNotified, first.Status);
        Assert.Equal("1 of 2 approvals", first.ApprovalProgress);
        Assert.False(first.Can(RequestAction.Approve));
        Assert.True(first.Can(RequestAction.Deny));
        Assert.Equal(0, await GrantsAsync(r.Id));
        Assert.Equal(0, await _f.Db(db => db.OutboxMessages.CountAsync(m => m.AccessRequestId == r.Id && m.Kind == OutboxKinds.RequestApproved)));
        Assert.Equal("1 of 2 approvals", (await _f.Read(Adam, r.Id)).ApprovalProgress);

        var second = await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand(Duration: TimeSpan.FromHours(4))));
        Assert.Equal(AccessRequestStatus.Approved, second.Status);
        Assert.Equal("Adam Price", second.DecidedByName);
        Assert.Equal(second.AccessStartsAt + TimeSpan.FromHours(4), second.AccessEndsAt);
        Assert.Equal(1, await GrantsAsync(r.Id));
        var actions = await _f.Db(db => db.AuditEntries.Where(e => e.Target == $"access-request/{r.Id}").OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.RequestFiled, AuditActions.RequestApprovalRecorded, AuditActions.RequestApproved, AuditActions.GrantIssued], actions);
        Assert.Equal(["Adam Price", "Carol Diaz"], await _f.Db(db => db.RequestApprovals.Where(a => a.RequestId == r.Id).Select(a => a.ApproverName).OrderBy(n => n).ToListAsync()));
    }

    [Fact]
    public async Task The_grant_runs_for_the_shortest_time_any_approver_gave()
    {
        await RequireTwoApprovalsAsync();
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(Duration: TimeSpan.FromHours(2))));
        var approved = await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.Equal(TimeSpan.FromHours(2), approved.AccessEndsAt - approved.AccessStartsAt);
    }

    [Fact]
    public async Task The_same_approver_approving_again_is_refused_and_counts_once()
    {
        await RequireTwoApprovalsAsync();
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        Assert.True(ex is ForbiddenAccessException or ConflictException, ex.GetType().Name);
        Assert.Contains("already approved", ex.Message);
        var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
        Assert.Equal((AccessRequestStatus.CustomerNotified, 1), (stored.Status, stored.ApprovalCount));
        Assert.Equal(1, await _f.Db(db => db.RequestApprovals.CountAsync(a => a.RequestId == r.Id)));
    }

    [Fact]
    public async Task One_deny_ends_a_request_that_already_has_an_approval()
    {
        await RequireTwoApprovalsAsync();
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        var denied = await _f.Lockbox(Adam, s => s.DenyAsync(r.Id, new DenyCommand("Not during the freeze.")));

        Assert.Equal(AccessRequestStatus.Denied, denied.Status);
        Assert.Equal(0, await GrantsAsync(r.Id));
        var late = await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        Assert.Contains("already denied by Adam Price", late.Message);
    }

    [Fact]
    public async Task Two_approvers_at_the_same_moment_never_count_twice_and_the_grant_is_issued_exactly_once()
    {
        await RequireTwoApprovalsAsync();
        for (var round = 0; round < 5; round++)
        {
            var r = await _f.PendingContosoRequestAsync();
            using var go = new ManualResetEventSlim();
            var carol = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())); });
            var adam = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand())); });
            go.Set();
            var outcomes = await Task.WhenAll(Settle(carol), Settle(adam));

            var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
            var rows = await _f.Db(db => db.RequestApprovals.CountAsync(a => a.RequestId == r.Id));
            var successes = outcomes.Count(o => o.Error is null);
            Assert.All(outcomes.Where(o => o.Error is not null), o => Assert.IsType<ConflictException>(o.Error));
            // Every approval that succeeded is counted once, in the count and in the rows; the quorum grants once.
            Assert.Equal(successes, stored.ApprovalCount);
            Assert.Equal(successes, rows);
            Assert.Equal(successes == 2 ? AccessRequestStatus.Approved : AccessRequestStatus.CustomerNotified, stored.Status);
            Assert.Equal(successes == 2 ? 1 : 0, await GrantsAsync(r.Id));
            Assert.Equal(successes == 2 ? 1 : 0, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Target == $"access-request/{r.Id}" && e.Action == AuditActions.RequestApproved)));
            Assert.Equal(successes == 2 ? 1 : 0, await _f.Db(db => db.OutboxMessages.CountAsync(m => m.AccessRequestId == r.Id && m.Kind == OutboxKinds.RequestApproved)));
        }
    }

    [Fact]
    public async Task The_same_approver_twice_at_the_same_moment_counts_once()
    {
        await RequireTwoApprovalsAsync();
        for (var round = 0; round < 5; round++)
        {
            var r = await _f.PendingContosoRequestAsync();
            using var go = new ManualResetEventSlim();
            var one = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())); });
            var two = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())); });
            go.Set();
            var outcomes = await Task.WhenAll(Settle(one), Settle(two));

            Assert.Single(outcomes, o => o.Error is null);
            var loser = Assert.Single(outcomes, o => o.Error is not null);
            Assert.True(loser.Error is ConflictException or ForbiddenAccessException, loser.Error!.GetType().Name);
            var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
            Assert.Equal((AccessRequestStatus.CustomerNotified, 1), (stored.Status, stored.ApprovalCount));
            Assert.Equal(1, await _f.Db(db => db.RequestApprovals.CountAsync(a => a.RequestId == r.Id)));
        }
    }

    [Fact]
    public async Task A_request_filed_before_the_policy_changed_keeps_the_approvals_it_was_filed_with()
    {
        var r = await _f.PendingContosoRequestAsync();
        await RequireTwoApprovalsAsync();
        var approved = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.Equal(AccessRequestStatus.Approved, approved.Status);
        Assert.Null(approved.ApprovalProgress);
    }

    private static async Task<(AccessRequestDto? Result, Exception? Error)> Settle(Task<AccessRequestDto> task)
    {
        try { return (await task, null); }
        catch (Exception ex) { return (null, ex); }
    }
}
