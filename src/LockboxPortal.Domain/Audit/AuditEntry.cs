using System.Reflection;

namespace LockboxPortal.Domain.Audit;

/// <summary>One link of a hash-chained audit log: entry <see cref="Sequence"/> of chain <see cref="ChainId"/>.</summary>
public class AuditEntry
{
    /// <summary>The chain this entry belongs to: its tenant's, or <see cref="AuditChains.Portal"/> (see <see cref="AuditChains.Of"/>).</summary>
    public Guid ChainId { get; set; }
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
/// The row of one chain that every append to that chain updates first: it serialises the chain's appenders on
/// every provider (and only them: tenants never wait on each other), and holds the sequence and hash the next
/// entry chains from.
/// </summary>
public class AuditChainHead
{
    public Guid ChainId { get; set; }
    public long Sequence { get; set; }
    public string LastHash { get; set; } = "";
}

/// <summary>Which chain an entry belongs to.</summary>
public static class AuditChains
{
    /// <summary>Entries with no tenant (system work, portal-wide operations) chain here. Not a tenant id: those are random.</summary>
    public static readonly Guid Portal = new("00000000-0000-0000-0000-000000000001");

    /// <summary>
    /// Where the single portal-wide chain of earlier versions sits after the migration to per-tenant chains,
    /// until <c>AuditRechainer</c> has verified it and split it into the tenants' chains.
    /// </summary>
    public static readonly Guid Legacy = new("ffffffff-ffff-ffff-ffff-ffffffffffff");

    public static Guid Of(Guid? tenantId) => tenantId ?? Portal;

    public static string Name(Guid chainId) =>
        chainId == Portal ? "portal" : chainId == Legacy ? "legacy (before per-tenant chains)" : $"tenant {chainId}";
}

/// <summary>Every audit action name. <see cref="All"/> is what filters and reports offer, so a new constant appears there by itself.</summary>
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
    public const string AuditChainsSplit = "audit.chains-split";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookSecretRotated = "webhook.secret-rotated";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookRedelivered = "webhook.redelivered";
    public const string RequestEnded = "request.ended";
    public const string AccessAnomaly = "access.anomaly";
    public const string AttestationRequested = "attestation.requested";
    public const string AttestationSubmitted = "attestation.submitted";
    public const string AttestationAcknowledged = "attestation.acknowledged";
    public const string AttestationFlagged = "attestation.flagged";
    public const string RequestApprovalRecorded = "request.approval-recorded";
    public const string ApprovalPolicyChanged = "approval-policy.changed";
    public const string SubscriptionApproversChanged = "subscription-approvers.changed";
    public const string SubscriptionApproversRemoved = "subscription-approvers.removed";
    public const string ApprovalRuleSaved = "approval-rule.saved";
    public const string ApprovalRuleDeleted = "approval-rule.deleted";

    /// <summary>Every constant above, in declaration order.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(AuditActions)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}
