using System.ComponentModel.DataAnnotations;

namespace LockboxPortal.Application.Lockbox;

/// <summary>Lifecycle rules; validated at start so a bad deployment fails loudly, not at the first request.</summary>
public sealed class LockboxOptions : IValidatableObject
{
    public const string Section = "Lockbox";

    /// <summary>How long a request waits for a decision before it expires.</summary>
    public TimeSpan PendingDeadline { get; set; } = TimeSpan.FromDays(4);

    /// <summary>Access granted when the engineer does not ask for another duration.</summary>
    public TimeSpan DefaultAccessDuration { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Shortest access an engineer may ask for or an approver may grant.</summary>
    public TimeSpan MinAccessDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest access an engineer may ask for: 24 hours, so any access is re-approved at least daily.</summary>
    public TimeSpan MaxAccessDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Whether a tenant seen for the first time starts with Lockbox on.</summary>
    public bool EnabledForNewTenants { get; set; }

    /// <summary>How often the sweeper marks expired and completed requests.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PendingDeadline < TimeSpan.FromMinutes(5) || PendingDeadline > TimeSpan.FromDays(30))
            yield return new("Lockbox:PendingDeadline must be between 5 minutes and 30 days.", [nameof(PendingDeadline)]);
        if (MinAccessDuration < TimeSpan.FromMinutes(1))
            yield return new("Lockbox:MinAccessDuration must be at least 1 minute.", [nameof(MinAccessDuration)]);
        if (MaxAccessDuration < MinAccessDuration || MaxAccessDuration > TimeSpan.FromDays(7))
            yield return new("Lockbox:MaxAccessDuration must be at least MinAccessDuration and at most 7 days.", [nameof(MaxAccessDuration)]);
        if (DefaultAccessDuration < MinAccessDuration || DefaultAccessDuration > MaxAccessDuration)
            yield return new("Lockbox:DefaultAccessDuration must lie between MinAccessDuration and MaxAccessDuration.", [nameof(DefaultAccessDuration)]);
        if (SweepInterval < TimeSpan.FromSeconds(1) || SweepInterval > TimeSpan.FromHours(1))
            yield return new("Lockbox:SweepInterval must be between 1 second and 1 hour.", [nameof(SweepInterval)]);
    }
}
