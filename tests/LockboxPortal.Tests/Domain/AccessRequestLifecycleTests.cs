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
        Assert.Equal(6, allowed);
    }

    [Theory]
    [InlineData(AccessRequestStatus.Denied)]
    [InlineData(AccessRequestStatus.Expired)]
    [InlineData(AccessRequestStatus.Withdrawn)]
    [InlineData(AccessRequestStatus.Completed)]
    [InlineData(AccessRequestStatus.Revoked)]
    public void Terminal_states_have_no_way_out(AccessRequestStatus status) => Assert.True(AccessRequestLifecycle.IsTerminal(status));

    [Fact]
    public void Effective_status_follows_the_clock()
    {
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(AccessRequestStatus.CustomerNotified, AccessRequest.EffectiveStatus(AccessRequestStatus.CustomerNotified, t, null, t.AddTicks(-1)));
        Assert.Equal(AccessRequestStatus.Expired, AccessRequest.EffectiveStatus(AccessRequestStatus.CustomerNotified, t, null, t));
        Assert.Equal(AccessRequestStatus.Approved, AccessRequest.EffectiveStatus(AccessRequestStatus.Approved, t, t.AddHours(8), t.AddHours(8).AddTicks(-1)));
        Assert.Equal(AccessRequestStatus.Completed, AccessRequest.EffectiveStatus(AccessRequestStatus.Approved, t, t.AddHours(8), t.AddHours(8)));
        Assert.Equal(AccessRequestStatus.Denied, AccessRequest.EffectiveStatus(AccessRequestStatus.Denied, t, null, t.AddYears(1)));
    }
}
