using System.ComponentModel.DataAnnotations;

namespace LockboxPortal.Application.Notifications;

public enum EmailTransportKind
{
    /// <summary>Writes each message as an .eml file to <see cref="EmailOptions.PickupDirectory"/> (the embedded default).</summary>
    Pickup = 0,

    /// <summary>Delivers through an SMTP relay configured under <c>Email:Smtp</c>.</summary>
    Smtp = 1,
}

/// <summary>How notification email is delivered and retried. Validated at start.</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    public EmailTransportKind Transport { get; set; } = EmailTransportKind.Pickup;

    /// <summary>Folder for the pickup transport, relative to the content root unless absolute.</summary>
    public string PickupDirectory { get; set; } = "data/mail";

    /// <summary>How long before the pending deadline the approvers are reminded; zero switches reminders off.</summary>
    public TimeSpan ReminderBeforeDeadline { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Attempts before a message is marked Failed and left for a global administrator to retry.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay after the first failed attempt; doubled after each further one up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a claimed message belongs to the dispatcher that claimed it. If that instance dies the claim
    /// lapses and another instance sends the message; it must outlast a send (connect + send timeouts).
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the dispatcher looks for due messages when nothing wakes it earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages claimed per round.</summary>
    public int BatchSize { get; set; } = 20;

    public TimeSpan Backoff(int attempts) =>
        TimeSpan.FromTicks(Math.Min(RetryMaxDelay.Ticks, RetryBaseDelay.Ticks * (1L << Math.Clamp(attempts - 1, 0, 20))));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(PickupDirectory))
            yield return new("Email:PickupDirectory must name a folder.", [nameof(PickupDirectory)]);
        if (ReminderBeforeDeadline < TimeSpan.Zero)
            yield return new("Email:ReminderBeforeDeadline must be zero (off) or positive.", [nameof(ReminderBeforeDeadline)]);
        if (MaxAttempts is < 1 or > 100)
            yield return new("Email:MaxAttempts must be between 1 and 100.", [nameof(MaxAttempts)]);
        if (RetryBaseDelay < TimeSpan.FromSeconds(1) || RetryMaxDelay < RetryBaseDelay)
            yield return new("Email:RetryBaseDelay must be at least 1 second and Email:RetryMaxDelay at least RetryBaseDelay.", [nameof(RetryBaseDelay)]);
        if (ClaimLease < TimeSpan.FromSeconds(10))
            yield return new("Email:ClaimLease must be at least 10 seconds.", [nameof(ClaimLease)]);
        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromHours(1))
            yield return new("Email:PollInterval must be between 100 milliseconds and 1 hour.", [nameof(PollInterval)]);
        if (BatchSize is < 1 or > 500)
            yield return new("Email:BatchSize must be between 1 and 500.", [nameof(BatchSize)]);
    }
}
