using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Notifications;

public sealed record OutboxQuery(OutboxStatus? Status = OutboxStatus.Failed, int Page = 0, int PageSize = 25);

public sealed record OutboxMessageDto(
    Guid Id,
    string MessageId,
    string Kind,
    IReadOnlyList<string> To,
    string Subject,
    OutboxStatus Status,
    DateTimeOffset CreatedAt,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? SentAt,
    string? LastError,
    Guid? AccessRequestId);

public sealed record OutboxPage(IReadOnlyList<OutboxMessageDto> Items, int TotalCount);

/// <summary>
/// The notification outbox as a tenant's Global Administrators see it: their tenant's messages, with the
/// last delivery error, and a retry for messages the dispatcher gave up on.
/// </summary>
public sealed class OutboxService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    ILogger<OutboxService> logger)
{
    public async Task<OutboxPage> ListAsync(OutboxQuery query, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var pageSize = Math.Clamp(query.PageSize, 1, 200);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.OutboxMessages.AsNoTracking().Where(m => m.TenantId == user.TenantId);
        if (query.Status is { } status) q = q.Where(m => m.Status == status);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.Id)
            .Skip(Math.Max(0, query.Page) * pageSize).Take(pageSize).ToListAsync(ct);
        return new OutboxPage(rows.Select(ToDto).ToList(), total);
    }

    public async Task<int> CountFailedAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.OutboxMessages.CountAsync(m => m.TenantId == user.TenantId && m.Status == OutboxStatus.Failed, ct);
    }

    /// <summary>Puts a failed message back in the queue with a fresh retry budget; it keeps its Message-Id.</summary>
    public async Task<OutboxMessageDto> RetryAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var message = await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var changed = await db.OutboxMessages
                .Where(m => m.Id == id && m.TenantId == user.TenantId && m.Status == OutboxStatus.Failed)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Status, OutboxStatus.Pending)
                    .SetProperty(m => m.Attempts, 0)
                    .SetProperty(m => m.NextAttemptAt, now)
                    .SetProperty(m => m.ClaimedBy, (string?)null)
                    .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), token);
            var current = await db.OutboxMessages.AsNoTracking()
                .SingleOrDefaultAsync(m => m.Id == id && m.TenantId == user.TenantId, token)
                ?? throw new NotFoundException("No such message. It may not exist, or it belongs to another tenant.");
            if (changed == 0)
                throw new ConflictException(current.Status == OutboxStatus.Sent
                    ? "This message has been sent already."
                    : "This message is still queued for delivery; only a failed message can be retried.");

            await audit.AppendAsync(db, new AuditRecord(AuditActions.NotificationRetried, $"outbox-message/{id}", user.Name, user.Oid, user.TenantId,
                new Dictionary<string, object?> { ["messageId"] = current.MessageId, ["kind"] = current.Kind, ["lastError"] = current.LastError }), token);
            return current;
        }, ct);

        logger.LogInformation("Outbox message {MessageId} queued again by an administrator", message.MessageId);
        return ToDto(message);
    }

    private static OutboxMessageDto ToDto(OutboxMessage m) => new(
        m.Id, m.MessageId, m.Kind, m.Recipients, m.Subject, m.Status, m.CreatedAt, m.Attempts, m.NextAttemptAt, m.SentAt, m.LastError, m.AccessRequestId);
}
