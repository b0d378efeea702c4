namespace LockboxPortal.Domain.Lockbox;

public enum LifecycleEvent
{
    Approve,
    Deny,
    Expire,
    Withdraw,
    Complete,
    Revoke,
}

/// <summary>The lifecycle table of an access request: which event moves which state where.</summary>
public static class AccessRequestLifecycle
{
    private static readonly Dictionary<(AccessRequestStatus From, LifecycleEvent Event), AccessRequestStatus> Transitions = new()
    {
        [(AccessRequestStatus.CustomerNotified, LifecycleEvent.Approve)] = AccessRequestStatus.Approved,
        [(AccessRequestStatus.CustomerNotified, LifecycleEvent.Deny)] = AccessRequestStatus.Denied,
        [(AccessRequestStatus.CustomerNotified, LifecycleEvent.Expire)] = AccessRequestStatus.Expired,
        [(AccessRequestStatus.CustomerNotified, LifecycleEvent.Withdraw)] = AccessRequestStatus.Withdrawn,
        [(AccessRequestStatus.Approved, LifecycleEvent.Complete)] = AccessRequestStatus.Completed,
        [(AccessRequestStatus.Approved, LifecycleEvent.Revoke)] = AccessRequestStatus.Revoked,
    };

    public static bool TryApply(AccessRequestStatus from, LifecycleEvent @event, out AccessRequestStatus to) =>
        Transitions.TryGetValue((from, @event), out to);

    /// <summary>The one state an event may start from.</summary>
    public static AccessRequestStatus SourceOf(LifecycleEvent @event) =>
        Transitions.Keys.Single(k => k.Event == @event).From;

    public static AccessRequestStatus TargetOf(LifecycleEvent @event) =>
        Transitions.Single(k => k.Key.Event == @event).Value;

    public static bool IsTerminal(AccessRequestStatus status) =>
        !Transitions.Keys.Any(k => k.From == status);
}
