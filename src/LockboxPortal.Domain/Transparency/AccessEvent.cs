using LockboxPortal.Domain.Lockbox;

namespace LockboxPortal.Domain.Transparency;

public enum AccessEventKind
{
    /// <summary>A gateway reported that the engineer used the grant.</summary>
    Use = 0,

    /// <summary>The portal answered an access check about the grant's engineer.</summary>
    Check = 1,
}

/// <summary>What is wrong with a reported use. A use can be wrong in time and in scope at once.</summary>
[Flags]
public enum AccessAnomaly
{
    None = 0,
    BeforeWindow = 1,
    AfterWindow = 2,
    AfterRevocation = 4,
    OutsideScope = 8,
}

/// <summary>
/// One line of a request's usage trail: a use a gateway reported, or an access-check answer the portal gave.
/// Append-only: nothing updates or deletes a row once written.
/// </summary>
public class AccessEvent
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public Guid RequestId { get; set; }
    public AccessEventKind Kind { get; set; }

    /// <summary>The gateway's own id of the event (unique per caller), which makes a retried report idempotent.</summary>
    public required string EventId { get; set; }

    /// <summary>The configured name of the gateway that reported or asked.</summary>
    public required string Caller { get; set; }
    public required string ResourceId { get; set; }
    public required string Action { get; set; }

    /// <summary>When it happened, by the gateway's clock (a check: by the portal's).</summary>
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>A check's answer; null for a use.</summary>
    public bool? Allowed { get; set; }

    /// <summary>Why a check was answered as it was.</summary>
    public string? Reason { get; set; }
    public AccessAnomaly Anomalies { get; set; }

    /// <summary>The kinds of <see cref="Anomalies"/> this event alerted the approvers of (the rest were within the alert pause).</summary>
    public AccessAnomaly Alerted { get; set; }

    public const int MaxEventIdLength = 100;
    public const int MaxResourceIdLength = 2048;
    public const int MaxActionLength = 200;
}

/// <summary>The one rule of what makes a reported use an anomaly.</summary>
public static class AccessAnomalies
{
    /// <summary>
    /// A use before the access window opened, after it closed, or after the customer revoked it (which closes the
    /// window at the revocation, and is named as such), or outside the grant's scope. A request that was never
    /// approved has no window: every use of it is outside it.
    /// </summary>
    public static AccessAnomaly Of(AccessRequest r, DateTimeOffset occurredAt, bool inScope)
    {
        var found = inScope ? AccessAnomaly.None : AccessAnomaly.OutsideScope;
        if (r.AccessStartsAt is not { } starts || r.AccessEndsAt is not { } ends) return found | AccessAnomaly.AfterWindow;
        if (occurredAt < starts) found |= AccessAnomaly.BeforeWindow;
        else if (r.Status == AccessRequestStatus.Revoked && r.ClosedAt is { } revoked && occurredAt >= revoked) found |= AccessAnomaly.AfterRevocation;
        else if (occurredAt >= ends) found |= AccessAnomaly.AfterWindow;
        return found;
    }

    /// <summary>Each flag of <paramref name="anomalies"/>, in a stable order.</summary>
    public static IReadOnlyList<AccessAnomaly> Each(AccessAnomaly anomalies) =>
        Enum.GetValues<AccessAnomaly>().Where(a => a != AccessAnomaly.None && anomalies.HasFlag(a)).ToArray();

    /// <summary>The name of a kind in the API and the audit log.</summary>
    public static string Code(AccessAnomaly a) => a switch
    {
        AccessAnomaly.BeforeWindow => "before-window",
        AccessAnomaly.AfterWindow => "after-window",
        AccessAnomaly.AfterRevocation => "after-revocation",
        AccessAnomaly.OutsideScope => "outside-scope",
        _ => a.ToString(),
    };

    /// <summary>The kind in words, for the page and the alert.</summary>
    public static string Describe(AccessAnomaly a) => a switch
    {
        AccessAnomaly.BeforeWindow => "before access was granted",
        AccessAnomaly.AfterWindow => "after access ended",
        AccessAnomaly.AfterRevocation => "after access was revoked",
        AccessAnomaly.OutsideScope => "outside the approved scope",
        _ => a.ToString(),
    };
}
