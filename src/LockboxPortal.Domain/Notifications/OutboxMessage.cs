namespace LockboxPortal.Domain.Notifications;

public enum OutboxStatus
{
    Pending = 0,
    Sent = 1,
    /// <summary>Gave up after the retry budget; kept for a global admin to inspect and retry.</summary>
    Failed = 2,
}

/// <summary>An email written in the same transaction as the state change that causes it.</summary>
public class OutboxMessage
{
    public Guid Id { get; set; }

    /// <summary>Stable RFC 5322 Message-Id, so a resend after a crash is recognisable as the same message.</summary>
    public required string MessageId { get; set; }
    public required string Kind { get; set; }
    public Guid? TenantId { get; set; }
    public Guid? AccessRequestId { get; set; }

    /// <summary>Recipient addresses, semicolon-separated.</summary>
    public required string To { get; set; }
    public required string Subject { get; set; }
    public required string TextBody { get; set; }
    public required string HtmlBody { get; set; }

    public OutboxStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }

    public IReadOnlyList<string> Recipients =>
        To.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public static class OutboxKinds
{
    public const string RequestFiled = "request-filed";
    public const string RequestReminder = "request-reminder";
    public const string RequestApproved = "request-approved";
    public const string RequestDenied = "request-denied";
    public const string RequestExpired = "request-expired";
    public const string RequestRevoked = "request-revoked";
    public const string LockboxSwitched = "lockbox-switched";
    public const string OpenerNotified = "opener-notified";
    public const string AccessAnomaly = "access-anomaly";
    public const string AttestationDue = "attestation-due";
    public const string AttestationReminder = "attestation-reminder";
}
