namespace LockboxPortal.Domain.Transparency;

public enum AttestationStatus
{
    /// <summary>Access has ended; the engineer has not yet said what was done.</summary>
    Due = 0,

    /// <summary>The engineer gave an account; the customer has not reviewed it yet.</summary>
    Submitted = 1,
    Acknowledged = 2,

    /// <summary>The customer wants to follow the account up (their note says why).</summary>
    Flagged = 3,
}

/// <summary>
/// The engineer's account of what was done under a grant, asked for when the access ended, and the customer's review
/// of it. One per request; each step is taken once, by a conditional update on <see cref="Status"/>.
/// </summary>
public class Attestation
{
    public Guid RequestId { get; set; }
    public Guid TenantId { get; set; }
    public Guid EngineerOid { get; set; }
    public required string EngineerEmail { get; set; }
    public DateTimeOffset AccessEndedAt { get; set; }
    public DateTimeOffset DueAt { get; set; }

    /// <summary>When the engineer was emailed for it; null when they gave it before the portal asked.</summary>
    public DateTimeOffset? AskedAt { get; set; }
    public int RemindersSent { get; set; }

    /// <summary>When the next reminder is due; null when no more are to be sent.</summary>
    public DateTimeOffset? NextReminderAt { get; set; }

    public AttestationStatus Status { get; set; }
    public string? Account { get; set; }
    public DateTimeOffset? SubmittedAt { get; set; }

    public Guid? ReviewedByOid { get; set; }
    public string? ReviewedByName { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public string? ReviewNote { get; set; }

    public const int MaxAccountLength = 4000;
    public const int MaxNoteLength = 1000;

    public bool IsOverdueAt(DateTimeOffset now) => Status == AttestationStatus.Due && now > DueAt;

    /// <summary>
    /// Whether a request whose access ended at <paramref name="endedAt"/> calls for an account: one whose account would
    /// already be overdue when first asked (access that ended long before this portal asked for accounts) does not.
    /// </summary>
    public static bool Applies(DateTimeOffset endedAt, DateTimeOffset now, TimeSpan duePeriod) => endedAt > now - duePeriod;
}
