using System.Globalization;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using LockboxPortal.Application.Persistence;
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

    public static async Task EnqueueAsync(ILockboxDbContext db, AuditEntry entry, CancellationToken ct)
    {
        if (entry.TenantId is not { } tenant) return;
        var pattern = "\n" + entry.Action + "\n";
        var endpoints = await db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.TenantId == tenant && e.Events.Contains(pattern))
            .Select(e => e.Id).ToListAsync(ct);
        if (endpoints.Count == 0) return;

        var payload = Encode(entry, tenant);
        foreach (var endpoint in endpoints)
        {
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = Guid.NewGuid(),
                EndpointId = endpoint,
                TenantId = tenant,
                EventId = EventIdOf(tenant, entry.Sequence),
                EventType = TypePrefix + entry.Action,
                Payload = payload,
                Status = WebhookDeliveryStatus.Pending,
                CreatedAt = entry.OccurredAt,
                NextAttemptAt = entry.OccurredAt,
            });
        }
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
