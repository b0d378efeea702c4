using LockboxPortal.Domain.Lockbox;

namespace LockboxPortal.Tests.Domain;

public sealed class AccessRequestLifecycleTests
{
    [Theory]
    [InlineData(AccessRequestStatus.CustomerNotified, LifecycleEvent.Approve, AccessRequestStatus.Approved)]
    [InlineData(AccessRequestStatus.CustomerNotified, LifecycleEvent.Deny, AccessRequestStatus.Denied)]
    [InlineData(AccessRequestStatus.CustomerNotified, LifecycleEvent.Expire, AccessRequestStatus.Expired)]
    [InlineData(AccessRequestStatus.CustomerNotified, LifecycleEvent.Withdraw, AccessRequestStatus.Withdrawn)]
    [InlineData(AccessRequestStatus.Approved, LifecycleEvent.Complete, AccessRequestStatus.Completed)]
    [InlineData(AccessRequestStatus.Approved, LifecycleEvent.Revoke, AccessRequestStatus.Revoked)]
    [InlineData(AccessRequestStatus.Approved, LifecycleEvent.End, AccessRequestStatus.Completed)]
    public void Each_transition_of_the_table_applies(AccessRequestStatus from, LifecycleEvent e, AccessRequestStatus to)
    {
        Assert.True(AccessRequestLifecycle.TryApply(from, e, out var result));
        Assert.Equal(to, result);
    }

    [Fact]
    public void Every_other_combination_is_refused()
    {
        var allowed = 0;
        foreach (var from in Enum.GetValues<AccessRequestStatus>())
            foreach (var e in Enum.GetValues<LifecycleEvent>())
                if (AccessRequestLifecycle.TryApply(from, e, out _)) allowed++;
        Assert.Equal(7, allowed);
    }

    [Theory]
    [InlineData(AccessRequestStatus.Denied)]
    [InlineData(AccessRequestStatus.Expired)]
    [InlineData(AccessRequestStatus.Withdrawn)]
    [InlineData(AccessRequestStatus.Completed)]
    [InlineData(AccessRequestStatus.Revoked)]
    public void Terminal_states_have_no_way_out(AccessRequestStatus status) => Assert.True(AccessRequestLifecycle.IsTerminal(status));

    private static readonly DateTimeOffset T = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AccessRequest Request(AccessRequestStatus status, DateTimeOffset pendingUntil, DateTimeOffset? accessEndsAt = null) => new()
    {
        TicketNumber = "2601010010000001", EngineerName = "Mia Chen", EngineerEmail = "mia@example.com", SupportOrganization = "Microsoft",
        Justification = "Investigating the customer's cluster.", Status = status, CreatedAt = pendingUntil.AddDays(-4), PendingUntil = pendingUntil,
        AccessStartsAt = accessEndsAt?.AddHours(-8), AccessEndsAt = accessEndsAt, RequestedMinutes = 480,
    };

    [Fact]
    public void Effective_status_follows_the_clock()
    {
        Assert.Equal(AccessRequestStatus.CustomerNotified, Request(AccessRequestStatus.CustomerNotified, T).StatusAt(T.AddTicks(-1)));
        Assert.Equal(AccessRequestStatus.Expired, Request(AccessRequestStatus.CustomerNotified, T).StatusAt(T));
        Assert.Equal(AccessRequestStatus.Approved, Request(AccessRequestStatus.Approved, T, T.AddHours(8)).StatusAt(T.AddHours(8).AddTicks(-1)));
        Assert.Equal(AccessRequestStatus.Completed, Request(AccessRequestStatus.Approved, T, T.AddHours(8)).StatusAt(T.AddHours(8)));
        Assert.Equal(AccessRequestStatus.Denied, Request(AccessRequestStatus.Denied, T).StatusAt(T.AddYears(1)));
    }

    [Fact]
    public void Each_domain_transition_lands_on_the_tables_target_and_records_who_and_when()
    {
        var oid = Guid.NewGuid();
        var now = T.AddHours(-1);
        var approved = Request(AccessRequestStatus.CustomerNotified, T);
        approved.Approve(oid, "Adam Price", now, TimeSpan.FromHours(2), "ok");
        Assert.Equal(AccessRequestLifecycle.TargetOf(LifecycleEvent.Approve), approved.Status);
        Assert.Equal((now, now + TimeSpan.FromHours(2), "Adam Price"), (approved.AccessStartsAt!.Value, approved.AccessEndsAt!.Value, approved.DecidedByName));

        var denied = Request(AccessRequestStatus.CustomerNotified, T);
        denied.Deny(oid, "Adam Price", now, "not now");
        Assert.Equal(AccessRequestLifecycle.TargetOf(LifecycleEvent.Deny), denied.Status);
        Assert.Equal(AccessRequestStatus.Denied, denied.Decision);

        var withdrawn = Request(AccessRequestStatus.CustomerNotified, T);
        withdrawn.Withdraw("Mia Chen", now);
        Assert.Equal((AccessRequestLifecycle.TargetOf(LifecycleEvent.Withdraw), "Mia Chen"), (withdrawn.Status, withdrawn.ClosedByName));

        var expired = Request(AccessRequestStatus.CustomerNotified, T);
        expired.Expire(T);
        Assert.Equal((AccessRequestLifecycle.TargetOf(LifecycleEvent.Expire), T, AccessRequest.SystemActor), (expired.Status, expired.ClosedAt!.Value, expired.ClosedByName));

        var revoked = Request(AccessRequestStatus.Approved, T, T.AddHours(8));
        revoked.Revoke("Carol Diaz", T.AddHours(1), null);
        Assert.Equal((AccessRequestLifecycle.TargetOf(LifecycleEvent.Revoke), T.AddHours(1)), (revoked.Status, revoked.AccessEndsAt!.Value));

        var completed = Request(AccessRequestStatus.Approved, T, T.AddHours(8));
        completed.Complete(T.AddHours(8));
        Assert.Equal((AccessRequestLifecycle.TargetOf(LifecycleEvent.Complete), T.AddHours(8)), (completed.Status, completed.ClosedAt!.Value));
    }

    [Fact]
    public void A_transition_the_table_does_not_allow_at_that_moment_is_refused_and_changes_nothing()
    {
        var lapsed = Request(AccessRequestStatus.CustomerNotified, T);
        Assert.Throws<LifecycleException>(() => lapsed.Approve(Guid.NewGuid(), "Adam Price", T, TimeSpan.FromHours(1), null));
        Assert.Equal(AccessRequestStatus.CustomerNotified, lapsed.Status);
        Assert.Null(lapsed.DecidedAt);

        var early = Request(AccessRequestStatus.CustomerNotified, T);
        Assert.Throws<LifecycleException>(() => early.Expire(T.AddTicks(-1)));
        var denied = Request(AccessRequestStatus.Denied, T.AddDays(1));
        Assert.Throws<LifecycleException>(() => denied.Revoke("Carol Diaz", T, null));
        Assert.Equal(AccessRequestStatus.Denied, denied.Status);
    }

    [Theory]
    [InlineData(true, AccessRequestStatus.CustomerNotified, false)]
    [InlineData(false, AccessRequestStatus.Approved, true)]
    public void Filing_starts_where_the_table_says_for_the_tenants_Lockbox_setting(bool lockboxEnabled, AccessRequestStatus expected, bool automatic)
    {
        var r = Request(AccessRequestStatus.CustomerNotified, T);
        r.Open(lockboxEnabled, T, TimeSpan.FromDays(4), TimeSpan.FromHours(8));
        Assert.Equal(expected, r.Status);
        Assert.Equal(automatic, r.ApprovedAutomatically);
        Assert.Equal(automatic ? T.AddHours(8) : T.AddDays(4), r.NextDeadlineAt(T));
    }

    [Fact]
    public void The_next_deadline_is_gone_once_the_clock_has_moved_the_status()
    {
        var r = Request(AccessRequestStatus.CustomerNotified, T);
        Assert.Equal(T, r.NextDeadlineAt(T.AddTicks(-1)));
        Assert.Null(r.NextDeadlineAt(T));
        Assert.Null(Request(AccessRequestStatus.Denied, T).NextDeadlineAt(T.AddDays(-1)));
    }
}
