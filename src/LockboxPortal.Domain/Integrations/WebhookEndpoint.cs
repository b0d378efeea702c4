namespace LockboxPortal.Domain.Integrations;

/// <summary>A tenant's webhook receiver: where its chosen audit actions are posted as signed CloudEvents.</summary>
public class WebhookEndpoint
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string Url { get; set; }

    /// <summary>The subscribed audit action names, each between newlines ("\nrequest.approved\nrequest.denied\n"): <see cref="Subscribes"/>.</summary>
    public required string Events { get; set; }

    /// <summary>The signing secret, Data Protection-protected; never stored or logged in the clear.</summary>
    public required string ProtectedSecret { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset SecretRotatedAt { get; set; }

    public IReadOnlyList<string> EventList => Events.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public static string FormatEvents(IEnumerable<string> actions) => "\n" + string.Join("\n", actions) + "\n";

    /// <summary>Whether stored <paramref name="events"/> (<see cref="FormatEvents"/>) include <paramref name="action"/>.</summary>
    public static bool Subscribes(string events, string action) =>
        events.Contains(string.Concat("\n", action, "\n"), StringComparison.Ordinal);
}

public enum WebhookDeliveryStatus
{
    Pending = 0,
    Delivered = 1,
    /// <summary>Gave up after the retry budget; a Global Administrator can redeliver it.</summary>
    Failed = 2,
}

/// <summary>One event for one endpoint, written in the transaction of the change it reports (an outbox row).</summary>
public class WebhookDelivery
{
    public Guid Id { get; set; }
    public Guid EndpointId { get; set; }
    public Guid TenantId { get; set; }

    /// <summary>The CloudEvent id (the audit entry's id): the same on every attempt, so a receiver can drop repeats.</summary>
    public required string EventId { get; set; }
    public required string EventType { get; set; }

    /// <summary>The CloudEvent in structured JSON, fixed at enqueue time: every attempt posts the same bytes.</summary>
    public required string Payload { get; set; }
    public WebhookDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTimeOffset? ClaimedUntil { get; set; }
}

/// <summary>The delivery log: one row per attempt.</summary>
public class WebhookDeliveryAttempt
{
    public Guid Id { get; set; }
    public Guid DeliveryId { get; set; }
    public Guid EndpointId { get; set; }
    public Guid TenantId { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
}
