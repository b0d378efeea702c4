namespace LockboxPortal.Domain.Audit;

/// <summary>One link of the hash-chained audit log.</summary>
public class AuditEntry
{
    public long Sequence { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string Actor { get; set; }
    public Guid? ActorOid { get; set; }
    public Guid? TenantId { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }

    /// <summary>Canonical JSON (sorted keys, no whitespace).</summary>
    public required string Details { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }
}

/// <summary>
/// The single row every audit append updates first: it serialises appenders on every provider, and
/// holds the sequence and hash the next entry chains from.
/// </summary>
public class AuditChainHead
{
    public const int SingletonId = 1;
    public int Id { get; set; }
    public long Sequence { get; set; }
    public string LastHash { get; set; } = "";
}

public static class AuditActions
{
    public const string RequestFiled = "request.filed";
    public const string RequestApproved = "request.approved";
    public const string RequestAutoApproved = "request.auto-approved";
    public const string RequestDenied = "request.denied";
    public const string RequestWithdrawn = "request.withdrawn";
    public const string RequestExpired = "request.expired";
    public const string RequestCompleted = "request.completed";
    public const string RequestRevoked = "request.revoked";
    public const string TicketOpened = "ticket.opened";
    public const string LockboxSwitched = "lockbox.switched";
    public const string NotificationSettingsChanged = "notifications.changed";
    public const string NotificationRetried = "notifications.retried";
    public const string AuthorizationRefused = "authorization.refused";
    public const string SignInRefused = "signin.refused";
    public const string TenantOnboarded = "tenant.onboarded";
    public const string GrantIssued = "grant.issued";
    public const string SigningKeyRotated = "signing-key.rotated";
    public const string ServicePrincipalCreated = "service-principal.created";
    public const string ServicePrincipalRotated = "service-principal.rotated";
    public const string ServicePrincipalDeleted = "service-principal.deleted";
}
