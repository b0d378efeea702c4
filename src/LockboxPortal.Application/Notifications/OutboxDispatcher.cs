using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Telemetry;
using LockboxPortal.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Notifications;

public sealed record DispatchResult(int Claimed, int Sent, int Retrying, int Failed);

/// <summary>
/// Sends due outbox messages. Each message is first claimed with a conditional update that only one
/// instance can win (status Pending, due, and no live claim), so several portal instances sharing a
/// database never send the same row concurrently. A claim is a lease: if its instance dies, the claim
/// lapses and another instance picks the message up. The attempt is counted when claimed, so a message
/// that crashes its sender still runs out of attempts. Delivery is at least once: a crash between the
/// server's acceptance and the "sent" update resends with the same Message-Id.
/// </summary>
public sealed class OutboxDispatcher(
    ILockboxDbContextFactory dbFactory,
    IEmailTransport transport,
    TimeProvider time,
    IOptionsMonitor<EmailOptions> options,
    ILogger<OutboxDispatcher> logger,
    PortalMetrics metrics)
{
    public string InstanceId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Claims one batch of due messages and tries each once.</summary>
    public async Task<DispatchResult> RunOnceAsync(CancellationToken ct = default)
    {
        var claim = await ClaimAsync(ct);
        int sent = 0, retrying = 0, failed = 0;
        foreach (var message in claim.Messages)
        {
            switch (await SendAsync(message, claim.Token, ct))
            {
                case OutboxStatus.Sent: sent++; break;
                case OutboxStatus.Failed: failed++; break;
                default: retrying++; break;
            }
        }
        if (claim.Messages.Count > 0)
            logger.LogInformation("Outbox round via {Transport}: {Sent} sent, {Retrying} to retry, {Failed} failed",
                transport.Description, sent, retrying, failed);
        return new DispatchResult(claim.Messages.Count, sent, retrying, failed);
    }

    internal sealed record Claim(string Token, IReadOnlyList<OutboxMessage> Messages);

    /// <summary>Takes a lease on up to a batch of due messages; visible to tests to stage a dispatcher that dies mid-round.</summary>
    internal async Task<Claim> ClaimAsync(CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var token = $"{InstanceId}#{Guid.NewGuid():N}";
        var now = time.GetUtcNow();
        var until = now + settings.ClaimLease;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await Due(db.OutboxMessages, now)
            .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id)
            .Select(m => m.Id).Take(settings.BatchSize).ToListAsync(ct);

        var won = 0;
        foreach (var id in candidates)
        {
            // The WHERE repeats the due test: of two instances racing for the row, the second updates nothing.
            won += await Due(db.OutboxMessages.Where(m => m.Id == id), now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.ClaimedBy, token)
                    .SetProperty(m => m.ClaimedUntil, until)
                    .SetProperty(m => m.Attempts, m => m.Attempts + 1), ct);
        }
        if (won == 0) return new Claim(token, []);

        var messages = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.ClaimedBy == token).OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id).ToListAsync(ct);
        return new Claim(token, messages);
    }

    private static IQueryable<OutboxMessage> Due(IQueryable<OutboxMessage> q, DateTimeOffset now) =>
        q.Where(m => m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && (m.ClaimedUntil == null || m.ClaimedUntil <= now));

    private async Task<OutboxStatus> SendAsync(OutboxMessage message, string token, CancellationToken ct)
    {
        var settings = options.CurrentValue;
        var recipients = message.Recipients.Where(EmailAddresses.IsValid).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        try
        {
            if (recipients.Count == 0)
                throw new PermanentEmailException("The message has no valid recipient address.");

            // The transport has its own connect and send timeouts; this bound keeps a send inside the lease
            // whatever the transport does, so no other instance can take the row while it is still in flight.
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(settings.ClaimLease * 0.8);
            await transport.SendAsync(new OutgoingEmail(message.MessageId, recipients, message.Subject,
                message.TextBody, message.HtmlBody, message.CreatedAt), bound.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down mid-send: hand the row back at once (the attempt stays counted).
            await ReleaseAsync(message.Id, token);
            throw;
        }
        catch (Exception ex)
        {
            return await RecordFailureAsync(message, token, ex, settings);
        }

        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var now = time.GetUtcNow();
        // Not cancellable: the server has accepted the message, so the row must say so.
        var marked = await db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimedBy == token)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Sent)
                .SetProperty(m => m.SentAt, now)
                .SetProperty(m => m.LastError, (string?)null)
                .SetProperty(m => m.ClaimedBy, (string?)null)
                .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), CancellationToken.None);
        metrics.OutboxSent(message);
        if (marked == 0)
            logger.LogWarning("Outbox message {MessageId} was sent after its claim lapsed; another instance may send it again with the same Message-Id",
                message.MessageId);
        else
            logger.LogDebug("Outbox message {MessageId} ({Kind}) sent on attempt {Attempt}", message.MessageId, message.Kind, message.Attempts);
        return OutboxStatus.Sent;
    }

    private async Task<OutboxStatus> RecordFailureAsync(OutboxMessage message, string token, Exception ex, EmailOptions settings)
    {
        var error = LogText.Neutralise(Describe(ex), 1900);
        var giveUp = ex is PermanentEmailException || message.Attempts >= settings.MaxAttempts;
        var now = time.GetUtcNow();
        var next = giveUp ? message.NextAttemptAt : now + settings.Backoff(message.Attempts);
        var status = giveUp ? OutboxStatus.Failed : OutboxStatus.Pending;

        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.OutboxMessages.Where(m => m.Id == message.Id && m.ClaimedBy == token)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, status)
                .SetProperty(m => m.NextAttemptAt, next)
                .SetProperty(m => m.LastError, error)
                .SetProperty(m => m.ClaimedBy, (string?)null)
                .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), CancellationToken.None);

        metrics.OutboxFailed(message, status);
        if (giveUp)
            logger.LogError("Outbox message {MessageId} ({Kind}) failed after {Attempts} attempts and is kept for an administrator: {Error}",
                message.MessageId, message.Kind, message.Attempts, error);
        else
            logger.LogWarning("Outbox message {MessageId} ({Kind}) attempt {Attempt} failed, next attempt at {NextAttemptAt:O}: {Error}",
                message.MessageId, message.Kind, message.Attempts, next, error);
        return status;
    }

    private async Task ReleaseAsync(Guid id, string token)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        await db.OutboxMessages.Where(m => m.Id == id && m.ClaimedBy == token)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.ClaimedBy, (string?)null)
                .SetProperty(m => m.ClaimedUntil, (DateTimeOffset?)null), CancellationToken.None);
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "Timed out: the mail server did not complete the send in time.",
        _ when ex.InnerException is { } inner && ex.Message != inner.Message => $"{ex.GetType().Name}: {ex.Message} ({inner.Message})",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}
