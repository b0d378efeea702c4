using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Integrations;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Integrations;

/// <summary>
/// Turns an audit entry into webhook deliveries, in the transaction that writes the entry: the audit log is the
/// one list of what happened (<see cref="AuditActions"/>), so every audited change can be subscribed to and none is
/// reported that did not commit. The event is a CloudEvent 1.0 in structured JSON, fixed here so every attempt
/// (and a redelivery) posts the same bytes; only the signature is made at send time, with the current secret.
/// </summary>
public static class WebhookOutbox
{
    public const string TypePrefix = "com.lockboxportal.";
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    private static readonly JsonEventFormatter Formatter = new(new JsonSerializerOptions(JsonSerializerDefaults.Web), new JsonDocumentOptions());

    /// <summary>The actions a Global Administrator may subscribe to: every audit action.</summary>
    public static IReadOnlyList<string> Subscribable => AuditActions.All;

    public static string EventIdOf(Guid tenant, long sequence) => $"{tenant:N}-{sequence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The tenant's webhook endpoints with the actions each subscribed to, read once per write transaction by the
    /// <see cref="Audit.AuditWriter"/> (a decision appends two entries to one chain) and matched in memory by
    /// <see cref="Enqueue"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Subscriber>> SubscribersAsync(ILockboxDbContext db, Guid tenant, CancellationToken ct) =>
        await db.WebhookEndpoints.AsNoTracking().Where(e => e.TenantId == tenant)
            .Select(e => new Subscriber(e.Id, e.Events)).ToListAsync(ct);

    /// <summary>Queues one delivery of <paramref name="entry"/> for each of the tenant's endpoints subscribed to its action.</summary>
    public static void Enqueue(ILockboxDbContext db, AuditEntry entry, IReadOnlyList<Subscriber> subscribers)
    {
        if (entry.TenantId is not { } tenant) return;
        string? payload = null;
        foreach (var subscriber in subscribers)
        {
            if (!subscriber.Wants(entry.Action)) continue;
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = RowIds.New(),
                EndpointId = subscriber.EndpointId,
                TenantId = tenant,
                EventId = EventIdOf(tenant, entry.Sequence),
                EventType = TypePrefix + entry.Action,
                Payload = payload ??= Encode(entry, tenant),
                Status = WebhookDeliveryStatus.Pending,
                CreatedAt = entry.OccurredAt,
                NextAttemptAt = entry.OccurredAt,
            });
        }
    }

    /// <summary>An endpoint and its subscribed actions as stored (<see cref="WebhookEndpoint.FormatEvents"/>).</summary>
    public sealed record Subscriber(Guid EndpointId, string Events)
    {
        public bool Wants(string action) => WebhookEndpoint.Subscribes(Events, action);
    }

    private static string Encode(AuditEntry entry, Guid tenant)
    {
        using var details = JsonDocument.Parse(entry.Details);
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = EventIdOf(tenant, entry.Sequence),
            Type = TypePrefix + entry.Action,
            Source = new Uri($"urn:lockboxportal:tenant:{tenant}"),
            Subject = entry.Target,
            Time = entry.OccurredAt.ToUniversalTime(),
            DataContentType = "application/json",
            Data = new WebhookEventData(entry.Sequence, entry.Action, entry.Actor, entry.ActorOid, entry.Target, tenant,
                details.RootElement.Clone(), entry.Hash),
        };
        return Encoding.UTF8.GetString(Formatter.EncodeStructuredModeMessage(cloudEvent, out _).Span);
    }
}

/// <summary>The <c>data</c> of a webhook CloudEvent: the audit entry, as the SIEM feed carries it.</summary>
public sealed record WebhookEventData(long Sequence, string Action, string Actor, Guid? ActorOid, string Target, Guid Tenant, JsonElement Details, string Hash);
