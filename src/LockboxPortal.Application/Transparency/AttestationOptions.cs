using System.ComponentModel.DataAnnotations;

namespace LockboxPortal.Application.Transparency;

/// <summary>The engineer's account of the work done, after access ends (<c>Lockbox:Attestation</c>); validated at start.</summary>
public sealed class AttestationOptions
{
    public const string Section = "Lockbox:Attestation";

    /// <summary>Days the engineer has to give the account after access ended; past them it shows as overdue.</summary>
    [Range(1, 30, ErrorMessage = "Lockbox:Attestation:DueDays must be a whole number of days between 1 and 30.")]
    public int DueDays { get; set; } = 3;

    /// <summary>Time between reminders while the account is missing.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "7.00:00:00", ErrorMessage = "Lockbox:Attestation:ReminderInterval must be between 1 hour and 7 days, e.g. \"1.00:00:00\".")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Reminders sent at most, after the first request; 0 sends none.</summary>
    [Range(0, 10, ErrorMessage = "Lockbox:Attestation:MaxReminders must be between 0 and 10.")]
    public int MaxReminders { get; set; } = 3;

    public TimeSpan DuePeriod => TimeSpan.FromDays(DueDays);
}
