namespace LockboxPortal.Domain.Tenants;

/// <summary>A customer tenant: the unit Lockbox is switched on or off for.</summary>
public class Tenant
{
    public Guid Id { get; set; }
    public required string DisplayName { get; set; }
    public bool LockboxEnabled { get; set; }
    public Guid? LockboxChangedByOid { get; set; }
    public string? LockboxChangedByName { get; set; }
    public DateTimeOffset? LockboxChangedAt { get; set; }

    /// <summary>Semicolon-separated addresses notified in addition to the approvers known from sign-in.</summary>
    public string AlternateNotificationEmails { get; set; } = "";

    /// <summary>Distinct approvals a request needs when no rule or subscription policy says otherwise.</summary>
    public int RequiredApprovals { get; set; } = 1;

    /// <summary>The IANA (or Windows) time zone id the tenant's rule windows are read in.</summary>
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>Application-managed concurrency token: replaced on every edit, checked by EF on save.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();
    public DateTimeOffset CreatedAt { get; set; }

    public IReadOnlyList<string> AlternateEmails =>
        AlternateNotificationEmails.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
