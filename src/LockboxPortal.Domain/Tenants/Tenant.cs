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

    /// <summary>Application-managed concurrency token: replaced on every edit, checked by EF on save.</summary>
    public Guid Version { get; set; } = Guid.NewGuid();
    public DateTimeOffset CreatedAt { get; set; }

    public IReadOnlyList<string> AlternateEmails =>
        AlternateNotificationEmails.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
