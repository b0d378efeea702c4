using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

public sealed class LockboxLifecycleTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Filing_with_lockbox_enabled_waits_in_customer_notified_with_a_four_day_deadline()
    {
        var r = await _f.PendingContosoRequestAsync();

        Assert.Equal(AccessRequestStatus.CustomerNotified, r.Status);
        Assert.Equal("Customer Notified", r.StatusName);
        Assert.Equal(PortalFixture.Start + TimeSpan.FromDays(4), r.PendingUntil);
        Assert.Equal(TimeSpan.FromHours(8), r.RequestedDuration);
        Assert.Equal("Microsoft", r.SupportOrganization);
        Assert.Equal("Contoso", r.TenantName);
        var audit = await _f.Db(db => db.AuditEntries.Where(e => e.Target == $"access-request/{r.Id}").Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.RequestFiled], audit);
        var mail = await _f.Db(db => db.OutboxMessages.SingleAsync(m => m.AccessRequestId == r.Id && m.Kind != OutboxKinds.OpenerNotified));
        Assert.Equal(OutboxKinds.RequestFiled, mail.Kind);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], mail.Recipients.Order());
    }

    [Fact]
    public async Task Approve_grants_access_for_the_requested_eight_hours_from_now()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromHours(1));

        var approved = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        Assert.Equal(AccessRequestStatus.Approved, approved.Status);
        Assert.Equal("Carol Diaz", approved.DecidedByName);
        Assert.Equal(PortalFixture.Start.AddHours(1), approved.AccessStartsAt);
        Assert.Equal(PortalFixture.Start.AddHours(9), approved.AccessEndsAt);
        var mail = await _f.Db(db => db.OutboxMessages.SingleAsync(m => m.AccessRequestId == r.Id && m.Kind == OutboxKinds.RequestApproved));
        Assert.Equal("mia.chen@support.microsoft.com", mail.To);
    }

    [Fact]
    public async Task Approve_may_shorten_the_duration_but_never_extend_it()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(4));

        var ex = await Assert.ThrowsAsync<InputValidationException>(() =>
            _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(6)))));
        Assert.Contains("Duration", ex.Errors.Keys);
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await _f.Read(Adam, r.Id)).Status);

        var approved = await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(2))));
        Assert.Equal(PortalFixture.Start.AddHours(2), approved.AccessEndsAt);
    }

    [Fact]
    public async Task Deny_is_terminal_and_keeps_the_reason()
    {
        var r = await _f.PendingContosoRequestAsync();

        var denied = await _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Send us the logs instead.")));

        Assert.Equal(AccessRequestStatus.Denied, denied.Status);
        Assert.Equal("Send us the logs instead.", denied.DecisionReason);
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        Assert.Contains("already denied by Carol Diaz", ex.Message);
        Assert.Equal(AccessRequestStatus.Denied, (await _f.Read(Carol, r.Id)).Status);
    }

    [Fact]
    public async Task Deny_without_a_reason_is_refused_and_changes_nothing()
    {
        var r = await _f.PendingContosoRequestAsync();

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("   "))));

        Assert.Contains("reason", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await _f.Read(Carol, r.Id)).Status);
    }

    [Fact]
    public async Task Withdraw_by_the_requester_ends_a_pending_request()
    {
        var r = await _f.PendingContosoRequestAsync();

        var withdrawn = await _f.Lockbox(Mia, s => s.WithdrawAsync(r.Id));

        Assert.Equal(AccessRequestStatus.Withdrawn, withdrawn.Status);
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));
    }

    [Fact]
    public async Task Withdraw_of_an_approved_request_is_a_conflict()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Mia, s => s.WithdrawAsync(r.Id)));
    }

    [Fact]
    public async Task Revoke_ends_active_access_at_once()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        _f.Time.Advance(TimeSpan.FromHours(1));

        var revoked = await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Issue resolved.")));

        Assert.Equal(AccessRequestStatus.Revoked, revoked.Status);
        Assert.Equal(PortalFixture.Start.AddHours(1), revoked.AccessEndsAt);
        Assert.Equal("Adam Price", revoked.ClosedByName);
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Done."))));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("long")]
    public async Task Revoke_without_a_reason_or_with_one_over_a_thousand_characters_is_refused_and_changes_nothing(string? reason)
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());
        var text = reason == "long" ? new string('x', 1001) : reason;

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand(text!))));

        Assert.Contains(reason == "long" ? "1000 characters or fewer" : "reason for revoking", Assert.Single(ex.Errors["Reason"]));
        var stored = await _f.Read(Carol, r.Id);
        Assert.Equal(AccessRequestStatus.Approved, stored.Status);
        Assert.Null(stored.ClosedByName);
        Assert.Equal(auditBefore, await _f.Db(db => db.AuditEntries.CountAsync()));
    }

    [Fact]
    public async Task Revoke_of_a_pending_request_is_a_conflict()
    {
        var r = await _f.PendingContosoRequestAsync();
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Carol, s => s.RevokeAsync(r.Id, new RevokeCommand("Done."))));
    }

    [Fact]
    public async Task A_pending_request_reads_as_expired_after_its_deadline_before_any_sweep()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromDays(4));

        Assert.Equal(AccessRequestStatus.Expired, (await _f.Read(Carol, r.Id)).Status);
        var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
    }

    [Fact]
    public async Task A_decision_after_the_deadline_is_refused_before_any_sweeper_ran()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromDays(4) + TimeSpan.FromSeconds(1));

        var approve = await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        Assert.Contains("expired", approve.Message);
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Too late anyway."))));
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Mia, s => s.WithdrawAsync(r.Id)));

        var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
        Assert.Null(stored.DecidedAt);
    }

    [Fact]
    public async Task The_sweeper_marks_expired_and_completed_requests_once_with_audit_and_engineer_email()
    {
        var pending = await _f.PendingContosoRequestAsync();
        var active = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(active.Id, new ApproveCommand(TimeSpan.FromHours(1))));
        var sweeper = _f.Services.GetRequiredService<LifecycleSweeper>();

        Assert.Equal(new SweepResult(0, 0), await sweeper.SweepAsync());
        _f.Time.Advance(TimeSpan.FromDays(4));
        Assert.Equal(new SweepResult(1, 1), await sweeper.SweepAsync());
        Assert.Equal(new SweepResult(0, 0), await sweeper.SweepAsync());

        var rows = await _f.Db(db => db.AccessRequests.ToDictionaryAsync(r => r.Id, r => r.Status));
        Assert.Equal(AccessRequestStatus.Expired, rows[pending.Id]);
        Assert.Equal(AccessRequestStatus.Completed, rows[active.Id]);
        var actions = await _f.Db(db => db.AuditEntries.Select(e => e.Action).ToListAsync());
        Assert.Single(actions, AuditActions.RequestExpired);
        Assert.Single(actions, AuditActions.RequestCompleted);
        Assert.Equal(1, await _f.Db(db => db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.RequestExpired && m.AccessRequestId == pending.Id)));
    }

    [Fact]
    public async Task Approved_access_is_inactive_the_instant_its_window_ends()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(1))));

        _f.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromTicks(10));
        Assert.Equal(AccessRequestStatus.Approved, (await _f.Read(Carol, r.Id)).Status);
        _f.Time.Advance(TimeSpan.FromTicks(10));
        Assert.Equal(AccessRequestStatus.Completed, (await _f.Read(Carol, r.Id)).Status);
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Carol, s => s.RevokeAsync(r.Id, new RevokeCommand("Done."))));
    }

    [Fact]
    public async Task With_lockbox_off_a_new_request_is_approved_automatically_and_says_why()
    {
        await _f.Db(db => db.Tenants.Where(t => t.Id == ContosoTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, false)));

        var r = await _f.PendingContosoRequestAsync();

        Assert.Equal(AccessRequestStatus.Approved, r.Status);
        Assert.Equal(AccessRequest.LockboxNotEnabledReason, r.DecisionReason);
        Assert.Equal("System", r.DecidedByName);
        Assert.Equal(PortalFixture.Start.AddHours(8), r.AccessEndsAt);
        var actions = await _f.Db(db => db.AuditEntries.Where(e => e.Target == $"access-request/{r.Id}").OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());
        Assert.Equal([AuditActions.RequestFiled, AuditActions.RequestAutoApproved, AuditActions.GrantIssued], actions);
        var mails = await _f.Db(db => db.OutboxMessages.Where(m => m.AccessRequestId == r.Id && m.Kind != OutboxKinds.OpenerNotified).ToListAsync());
        var only = Assert.Single(mails);
        Assert.Equal(OutboxKinds.RequestApproved, only.Kind);
        Assert.Equal("mia.chen@support.microsoft.com", only.To);
    }

    [Fact]
    public async Task Two_concurrent_decisions_on_one_request_exactly_one_wins_and_the_loser_learns_the_decision()
    {
        for (var round = 0; round < 5; round++)
        {
            var r = await _f.PendingContosoRequestAsync();
            using var go = new ManualResetEventSlim();
            var approve = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())); });
            var deny = Task.Run(async () => { go.Wait(); return await _f.Lockbox(Adam, s => s.DenyAsync(r.Id, new DenyCommand("No access this week."))); });
            go.Set();

            var outcomes = await Task.WhenAll(Settle(approve), Settle(deny));
            var wins = outcomes.Where(o => o.Result is not null).ToList();
            var losses = outcomes.Where(o => o.Error is not null).ToList();
            var winner = Assert.Single(wins);
            var loser = Assert.Single(losses);
            var conflict = Assert.IsType<ConflictException>(loser.Error);
            Assert.Contains($"already {winner.Result!.StatusName.ToLowerInvariant()} by {winner.Result.DecidedByName}", conflict.Message);

            var decisions = await _f.Db(db => db.AuditEntries.CountAsync(e => e.Target == $"access-request/{r.Id}"
                && (e.Action == AuditActions.RequestApproved || e.Action == AuditActions.RequestDenied)));
            Assert.Equal(1, decisions);
            var mails = await _f.Db(db => db.OutboxMessages.CountAsync(m => m.AccessRequestId == r.Id && m.Kind != OutboxKinds.RequestFiled && m.Kind != OutboxKinds.OpenerNotified));
            Assert.Equal(1, mails);
            // The ticket's opener hears of the filing and of the one decision that won.
            Assert.Equal(2, await _f.Db(db => db.OutboxMessages.CountAsync(m => m.AccessRequestId == r.Id && m.Kind == OutboxKinds.OpenerNotified)));
        }
    }

    private static async Task<(AccessRequestDto? Result, Exception? Error)> Settle(Task<AccessRequestDto> task)
    {
        try { return (await task, null); }
        catch (Exception ex) { return (null, ex); }
    }
}
