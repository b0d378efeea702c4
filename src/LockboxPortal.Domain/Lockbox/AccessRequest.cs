namespace LockboxPortal.Domain.Lockbox;

/// <summary>A Customer Lockbox request: a support engineer asking for time-bound access to a tenant.</summary>
public class AccessRequest
{
    /// <summary>A detached copy (shallow: its values, not its identity), to change without touching the original.</summary>
    public AccessRequest Copy() => (AccessRequest)MemberwiseClone();

    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid TicketId { get; set; }

    /// <summary>Copied from the ticket so the blade can search without a join.</summary>
    public required string TicketNumber { get; set; }
    public Guid EngineerOid { get; set; }
    public required string EngineerName { get; set; }
    public required string EngineerEmail { get; set; }
    public required string SupportOrganization { get; set; }

    public AccessScopeKind ScopeKind { get; set; }
    public Guid? SubscriptionId { get; set; }

    /// <summary>Azure resource ids, newline-separated.</summary>
    public string ResourceIds { get; set; } = "";
    public required string Justification { get; set; }
    public int RequestedMinutes { get; set; }

    public AccessRequestStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset PendingUntil { get; set; }

    public Guid? DecidedByOid { get; set; }
    public string? DecidedByName { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? DecisionReason { get; set; }

    public DateTimeOffset? AccessStartsAt { get; set; }
    public DateTimeOffset? AccessEndsAt { get; set; }

    /// <summary>When an approved request ended early or on time (revoked or completed), and by whom.</summary>
    public DateTimeOffset? ClosedAt { get; set; }
    public string? ClosedByName { get; set; }
    public string? ClosedReason { get; set; }

    /// <summary>When the approvers are reminded of the pending deadline; null when no reminder is scheduled.</summary>
    public DateTimeOffset? ReminderDueAt { get; set; }

    /// <summary>Set once, by the conditional update that enqueues the reminder, so it is sent at most once.</summary>
    public DateTimeOffset? ReminderSentAt { get; set; }

    public IReadOnlyList<string> ResourceIdList =>
        ResourceIds.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public TimeSpan RequestedDuration => TimeSpan.FromMinutes(RequestedMinutes);

    /// <summary>
    /// The status as of <paramref name="now"/>: a pending request past its deadline is expired and an
    /// approved one past its window is completed, whether or not the sweeper has written it yet.
    /// </summary>
    public AccessRequestStatus StatusAt(DateTimeOffset now) => AccessRequestLifecycle.StatusAt(this, now);

    /// <summary>
    /// When the clock will next change this request's status, as seen at <paramref name="now"/>: its pending deadline or
    /// the end of its access; null once nothing is left for the clock to do (or it already has, unrecorded).
    /// </summary>
    public DateTimeOffset? NextDeadlineAt(DateTimeOffset now) => StatusAt(now) == Status ? AccessRequestLifecycle.DeadlineOf(this) : null;

    /// <summary>What the customer's side decided (Approved or Denied), whatever happened after; null while undecided.</summary>
    public AccessRequestStatus? Decision => DecidedAt is null ? null
        : AccessStartsAt is null ? AccessRequestStatus.Denied : AccessRequestStatus.Approved;

    /// <summary>Approved by the portal itself because the customer had Lockbox off: the only decision without a person.</summary>
    public bool ApprovedAutomatically => DecidedAt is not null && DecidedByOid is null;

    /// <summary>Files a new request: it waits for the customer, or, with Lockbox off, is approved on the record at once.</summary>
    public void Open(bool lockboxEnabled, DateTimeOffset now, TimeSpan pendingDeadline, TimeSpan duration)
    {
        CreatedAt = now;
        PendingUntil = now + pendingDeadline;
        RequestedMinutes = (int)Math.Ceiling(duration.TotalMinutes);
        Status = AccessRequestLifecycle.InitialStatus(lockboxEnabled);
        if (Status == AccessRequestStatus.Approved)
            (DecidedAt, DecidedByName, DecisionReason, AccessStartsAt, AccessEndsAt) = (now, SystemActor, LockboxNotEnabledReason, now, now + duration);
    }

    public void Approve(Guid byOid, string byName, DateTimeOffset now, TimeSpan duration, string? comment)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Approve, now);
        (DecidedAt, DecidedByOid, DecidedByName, DecisionReason, AccessStartsAt, AccessEndsAt) = (now, byOid, byName, comment, now, now + duration);
    }

    public void Deny(Guid byOid, string byName, DateTimeOffset now, string reason)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Deny, now);
        (DecidedAt, DecidedByOid, DecidedByName, DecisionReason) = (now, byOid, byName, reason);
    }

    public void Withdraw(string byName, DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Withdraw, now);
        (ClosedAt, ClosedByName) = (now, byName);
    }

    /// <summary>Ends approved access now; the window closes with it, so every check after this refuses the grant.</summary>
    public void Revoke(string byName, DateTimeOffset now, string? reason)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Revoke, now);
        (ClosedAt, ClosedByName, ClosedReason, AccessEndsAt) = (now, byName, reason, now);
    }

    /// <summary>The engineer ends the access early; like a revocation the window closes with it, but it completes: nobody cut it short.</summary>
    public void EndAccess(string byName, DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.End, now);
        (ClosedAt, ClosedByName, AccessEndsAt) = (now, byName, now);
    }

    /// <summary>The pending deadline passed without a decision: closed by the clock when the deadline passed.</summary>
    public void Expire(DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Expire, now);
        (ClosedAt, ClosedByName) = (PendingUntil, SystemActor);
    }

    /// <summary>The access window ended: closed by the clock when it ended.</summary>
    public void Complete(DateTimeOffset now)
    {
        AccessRequestLifecycle.Move(this, LifecycleEvent.Complete, now);
        (ClosedAt, ClosedByName) = (AccessEndsAt, SystemActor);
    }

    /// <summary>The actor the clock and the portal act as.</summary>
    public const string SystemActor = "System";

    public const string LockboxNotEnabledReason = "Lockbox not enabled";
}
