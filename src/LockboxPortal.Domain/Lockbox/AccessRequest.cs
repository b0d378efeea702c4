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
    public AccessRequestStatus StatusAt(DateTimeOffset now) => EffectiveStatus(Status, PendingUntil, AccessEndsAt, now);

    public static AccessRequestStatus EffectiveStatus(
        AccessRequestStatus stored, DateTimeOffset pendingUntil, DateTimeOffset? accessEndsAt, DateTimeOffset now) => stored switch
    {
        AccessRequestStatus.CustomerNotified when pendingUntil <= now => AccessRequestStatus.Expired,
        AccessRequestStatus.Approved when accessEndsAt is { } end && end <= now => AccessRequestStatus.Completed,
        _ => stored,
    };

    public bool IsActiveAt(DateTimeOffset now) =>
        Status == AccessRequestStatus.Approved && AccessStartsAt <= now && now < AccessEndsAt;
}
