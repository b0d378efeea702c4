using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Integrations;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Integrations;

public sealed record WebhookEndpointDto(Guid Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset SecretRotatedAt);

public sealed record CreateWebhookCommand(string Url, IReadOnlyList<string> Events);

/// <summary>An endpoint with its signing secret: returned once, at creation or rotation, and never again.</summary>
public sealed record WebhookSecretResult(WebhookEndpointDto Endpoint, string Secret);

public sealed record WebhookAttemptDto(int Attempt, DateTimeOffset At, int? StatusCode, string? Error);

public sealed record WebhookDeliveryDto(
    Guid Id, string EventId, string EventType, WebhookDeliveryStatus Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt, int? LastStatusCode, string? LastError, IReadOnlyList<WebhookAttemptDto> Log);

/// <summary>Protects endpoint secrets at rest (Data Protection in the portal).</summary>
public interface IWebhookSecretProtector
{
    string Protect(string secret);
    string Unprotect(string protectedSecret);
}

/// <summary>
/// A tenant's webhook endpoints, managed by its Global Administrators only, in their own tenant only: another
/// tenant's endpoint answers exactly like a missing one.
/// </summary>
public sealed class WebhookService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    IWebhookSecretProtector protector,
    WebhookTargets targets)
{
    public const int MaxEndpointsPerTenant = 20;
    public const int DeliveryLogSize = 50;

    public async Task<IReadOnlyList<WebhookEndpointDto>> ListAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.WebhookEndpoints.AsNoTracking().Where(e => e.TenantId == user.TenantId).ToListAsync(ct);
        return rows.OrderBy(e => e.CreatedAt).Select(ToDto).ToList();
    }

    /// <summary>Registers an endpoint after checking its URL (form and resolution) and events; the secret is in the result and nowhere else in the clear.</summary>
    public async Task<WebhookSecretResult> CreateAsync(CreateWebhookCommand command, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var uri = targets.Parse(command.Url);
        var events = CheckEvents(command.Events);
        await targets.ResolveAsync(uri, ct);

        var secret = WebhookSignature.NewSecret();
        var now = time.GetUtcNow();
        var endpoint = new WebhookEndpoint
        {
            Id = RowIds.New(),
            TenantId = user.TenantId,
            Url = uri.AbsoluteUri,
            Events = WebhookEndpoint.FormatEvents(events),
            ProtectedSecret = protector.Protect(secret),
            CreatedAt = now,
            CreatedBy = user.Name,
            SecretRotatedAt = now,
        };
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            if (await db.WebhookEndpoints.CountAsync(e => e.TenantId == user.TenantId, token) >= MaxEndpointsPerTenant)
                throw new InputValidationException("url", $"A tenant can have at most {MaxEndpointsPerTenant} webhook endpoints; delete one first.");
            db.WebhookEndpoints.Add(endpoint);
            await audit.AppendAsync(db, new AuditRecord(AuditActions.WebhookCreated, $"webhook/{endpoint.Id}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["url"] = endpoint.Url, ["events"] = events }), token);
            return endpoint;
        }, ct);
        return new WebhookSecretResult(ToDto(endpoint), secret);
    }

    /// <summary>A new secret: every delivery from now on (retries of older events too) is signed with it.</summary>
    public async Task<WebhookSecretResult> RotateSecretAsync(Guid endpointId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var secret = WebhookSignature.NewSecret();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var endpoint = await db.InTransactionAsync(async token =>
        {
            var e = await db.WebhookEndpoints.SingleOrDefaultAsync(x => x.Id == endpointId && x.TenantId == user.TenantId, token) ?? throw NotFound();
            e.ProtectedSecret = protector.Protect(secret);
            e.SecretRotatedAt = time.GetUtcNow();
            await audit.AppendAsync(db, new AuditRecord(AuditActions.WebhookSecretRotated, $"webhook/{e.Id}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["url"] = e.Url }), token);
            return e;
        }, ct);
        return new WebhookSecretResult(ToDto(endpoint), secret);
    }

    public async Task DeleteAsync(Guid endpointId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            var e = await db.WebhookEndpoints.SingleOrDefaultAsync(x => x.Id == endpointId && x.TenantId == user.TenantId, token) ?? throw NotFound();
            db.WebhookEndpoints.Remove(e);
            await audit.AppendAsync(db, new AuditRecord(AuditActions.WebhookDeleted, $"webhook/{e.Id}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["url"] = e.Url }), token);
            return e;
        }, ct);
    }

    /// <summary>The endpoint's latest deliveries, newest first, each with its attempts.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryDto>> DeliveriesAsync(Guid endpointId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == endpointId && e.TenantId == user.TenantId, ct)) throw NotFound();
        var deliveries = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.EndpointId == endpointId && d.TenantId == user.TenantId)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.EventId).Take(DeliveryLogSize).ToListAsync(ct);
        var ids = deliveries.Select(d => d.Id).ToList();
        var attempts = (await db.WebhookDeliveryAttempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).ToListAsync(ct))
            .ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => new WebhookDeliveryDto(d.Id, d.EventId, d.EventType, d.Status, d.Attempts, d.CreatedAt,
            d.DeliveredAt, d.LastStatusCode, d.LastError,
            attempts[d.Id].OrderBy(a => a.Attempt).Select(a => new WebhookAttemptDto(a.Attempt, a.At, a.StatusCode, a.Error)).ToList())).ToList();
    }

    /// <summary>Queues a delivery again, now, with a fresh retry budget (the same event id, so a receiver can tell).</summary>
    public async Task RedeliverAsync(Guid deliveryId, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var changed = await db.WebhookDeliveries
                .Where(d => d.Id == deliveryId && d.TenantId == user.TenantId && d.Status != WebhookDeliveryStatus.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, WebhookDeliveryStatus.Pending)
                    .SetProperty(d => d.Attempts, 0)
                    .SetProperty(d => d.NextAttemptAt, now)
                    .SetProperty(d => d.ClaimedBy, (string?)null)
                    .SetProperty(d => d.ClaimedUntil, (DateTimeOffset?)null), token);
            if (changed == 0)
            {
                if (await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId && d.TenantId == user.TenantId, token))
                    throw new ConflictException("This delivery is already queued.");
                throw NotFound();
            }
            await audit.AppendAsync(db, new AuditRecord(AuditActions.WebhookRedelivered, $"webhook-delivery/{deliveryId}", user.Name, user.Oid, user.TenantId), token);
            return changed;
        }, ct);
    }

    private static List<string> CheckEvents(IReadOnlyList<string>? events)
    {
        var chosen = (events ?? []).Select(e => (e ?? "").Trim()).Where(e => e.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (chosen.Count == 0) throw new InputValidationException("events", "Choose at least one event.");
        var unknown = chosen.Where(e => !WebhookOutbox.Subscribable.Contains(e)).ToList();
        if (unknown.Count > 0)
            throw new InputValidationException("events", $"Unknown event: {LogText.Neutralise(string.Join(", ", unknown), 200)}. Choose from the portal's audit actions.");
        return chosen;
    }

    private static NotFoundException NotFound() => new("No such webhook endpoint in your tenant.");

    private static WebhookEndpointDto ToDto(WebhookEndpoint e) => new(e.Id, e.Url, e.EventList, e.CreatedAt, e.CreatedBy, e.SecretRotatedAt);
}
