using System.Net.Http.Headers;
using System.Text;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Integrations;

public sealed record WebhookDispatchResult(int Claimed, int Delivered, int Retrying, int Failed);

/// <summary>
/// Posts due webhook deliveries, with the email outbox's claim and lease (<c>OutboxDispatcher</c>): a delivery
/// row is claimed by one instance with a conditional update, the attempt counted at the claim, and a crashed
/// instance's claim lapses for another to take. Delivery is at least once; the CloudEvent id lets a receiver drop
/// a repeat. Every attempt is logged per endpoint with its status code.
/// </summary>
public sealed class WebhookDispatcher(
    ILockboxDbContextFactory dbFactory,
    IHttpClientFactory httpClients,
    IWebhookSecretProtector protector,
    TimeProvider time,
    IOptionsMonitor<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "webhooks";

    public string InstanceId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public async Task<WebhookDispatchResult> RunOnceAsync(CancellationToken ct = default)
    {
        var settings = options.CurrentValue;
        var token = $"{InstanceId}#{Guid.NewGuid():N}";
        var now = time.GetUtcNow();

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await Due(db.WebhookDeliveries, now).OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
            .Select(d => d.Id).Take(settings.BatchSize).ToListAsync(ct);
        var won = 0;
        foreach (var id in candidates)
        {
            // The WHERE repeats the due test: of two instances racing for the row, the second updates nothing.
            won += await Due(db.WebhookDeliveries.Where(d => d.Id == id), now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.ClaimedBy, token)
                    .SetProperty(d => d.ClaimedUntil, now + settings.ClaimLease)
                    .SetProperty(d => d.Attempts, d => d.Attempts + 1), ct);
        }
        if (won == 0) return new WebhookDispatchResult(0, 0, 0, 0);

        var claimed = await db.WebhookDeliveries.AsNoTracking().Where(d => d.ClaimedBy == token).ToListAsync(ct);
        var endpointIds = claimed.Select(d => d.EndpointId).Distinct().ToList();
        var endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        int delivered = 0, retrying = 0, failed = 0;
        foreach (var delivery in claimed)
        {
            if (!endpoints.TryGetValue(delivery.EndpointId, out var endpoint)) continue; // deleted meanwhile: its rows go with it
            switch (await DeliverAsync(delivery, endpoint, token, settings, ct))
            {
                case WebhookDeliveryStatus.Delivered: delivered++; break;
                case WebhookDeliveryStatus.Failed: failed++; break;
                default: retrying++; break;
            }
        }
        return new WebhookDispatchResult(claimed.Count, delivered, retrying, failed);
    }

    private static IQueryable<WebhookDelivery> Due(IQueryable<WebhookDelivery> q, DateTimeOffset now) =>
        q.Where(d => d.Status == WebhookDeliveryStatus.Pending && d.NextAttemptAt <= now && (d.ClaimedUntil == null || d.ClaimedUntil <= now));

    private async Task<WebhookDeliveryStatus> DeliverAsync(WebhookDelivery delivery, WebhookEndpoint endpoint, string token, WebhookOptions settings, CancellationToken ct)
    {
        int? status = null;
        string? error = null;
        try
        {
            var body = Encoding.UTF8.GetBytes(delivery.Payload);
            var signature = WebhookSignature.Sign(protector.Unprotect(endpoint.ProtectedSecret), time.GetUtcNow().ToUnixTimeSeconds(), body);
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(WebhookOutbox.ContentType);
            request.Headers.Add(WebhookSignature.Header, signature);
            request.Headers.UserAgent.ParseAdd("LockboxPortal-Webhooks/1.0");
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(settings.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, bound.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) error = $"The receiver answered {status} {response.ReasonPhrase}.";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await RecordAsync(delivery, token, null, "The portal stopped during the attempt.", WebhookDeliveryStatus.Pending, delivery.NextAttemptAt);
            throw;
        }
        catch (OperationCanceledException)
        {
            error = $"No answer within {settings.Timeout.TotalSeconds:0} seconds.";
        }
        catch (Exception ex)
        {
            error = LogText.Neutralise(ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message, 1900);
        }

        var now = time.GetUtcNow();
        if (error is null)
        {
            await RecordAsync(delivery, token, status, null, WebhookDeliveryStatus.Delivered, delivery.NextAttemptAt, now);
            logger.LogDebug("Webhook event {EventId} delivered to endpoint {EndpointId} on attempt {Attempt}", delivery.EventId, endpoint.Id, delivery.Attempts);
            return WebhookDeliveryStatus.Delivered;
        }
        var giveUp = delivery.Attempts >= settings.MaxAttempts;
        var next = giveUp ? delivery.NextAttemptAt : now + settings.Backoff(delivery.Attempts, Random.Shared.NextDouble());
        var result = giveUp ? WebhookDeliveryStatus.Failed : WebhookDeliveryStatus.Pending;
        await RecordAsync(delivery, token, status, error, result, next);
        logger.LogWarning("Webhook event {EventId} to endpoint {EndpointId}, attempt {Attempt}: {Error}{Outcome}",
            delivery.EventId, endpoint.Id, delivery.Attempts, error, giveUp ? "; giving up" : $"; next attempt at {next:O}");
        return result;
    }

    private async Task RecordAsync(WebhookDelivery delivery, string token, int? status, string? error, WebhookDeliveryStatus outcome,
        DateTimeOffset next, DateTimeOffset? deliveredAt = null)
    {
        // Not cancellable: the attempt happened, so its outcome and its log line must be written.
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.InTransactionAsync(async t =>
        {
            var updated = await db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.ClaimedBy == token)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, outcome)
                    .SetProperty(d => d.NextAttemptAt, next)
                    .SetProperty(d => d.LastStatusCode, status)
                    .SetProperty(d => d.LastError, error)
                    .SetProperty(d => d.DeliveredAt, d => deliveredAt ?? d.DeliveredAt)
                    .SetProperty(d => d.ClaimedBy, (string?)null)
                    .SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null), t);
            if (updated == 1)
            {
                db.WebhookDeliveryAttempts.Add(new WebhookDeliveryAttempt
                {
                    Id = RowIds.New(),
                    DeliveryId = delivery.Id,
                    EndpointId = delivery.EndpointId,
                    TenantId = delivery.TenantId,
                    Attempt = delivery.Attempts,
                    At = time.GetUtcNow(),
                    StatusCode = status,
                    Error = error,
                });
            }
            return updated;
        }, CancellationToken.None);
    }
}
