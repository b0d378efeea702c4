using System.Collections.Concurrent;
using System.Threading.Channels;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Audit;

/// <summary>A refused authorization attempt: who tried what, and which rule said no.</summary>
public sealed record AuthorizationRefusal(string Actor, Guid? ActorOid, Guid? TenantId, string Operation, string? Target, string Reason);

/// <summary>
/// Records refused authorization attempts in the audit log. A refusal changes nothing, so there is no
/// transaction to join; reporting only queues it (the refused call returns at once and a caller hammering a
/// forbidden page does not hold the chain's lock), and <see cref="WriteQueuedAsync"/> appends what is queued in
/// one short transaction of its own. The same caller refused the same operation again within
/// <see cref="RepeatWindow"/> is folded into the first entry.
/// </summary>
public sealed class RefusalAuditor(ILockboxDbContextFactory dbFactory, AuditWriter audit, TimeProvider time, ILogger<RefusalAuditor> logger)
{
    public static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(1);
    private const int MaxRemembered = 10_000;

    private readonly Channel<AuthorizationRefusal> _queue = Channel.CreateBounded<AuthorizationRefusal>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly ConcurrentDictionary<string, DateTimeOffset> _recent = new();

    public void Report(AuthorizationRefusal refusal)
    {
        var now = time.GetUtcNow();
        var key = $"{refusal.ActorOid?.ToString() ?? refusal.Actor}|{refusal.Operation}|{refusal.Target}";
        if (_recent.TryGetValue(key, out var last) && now - last < RepeatWindow) return;
        if (_recent.Count > MaxRemembered)
            foreach (var old in _recent.Where(p => now - p.Value >= RepeatWindow).Select(p => p.Key).ToList())
                _recent.TryRemove(old, out _);
        _recent[key] = now;
        if (!_queue.Writer.TryWrite(refusal))
            logger.LogWarning("Audit queue for refused authorization attempts is full; a refusal of {Operation} was not recorded", refusal.Operation);
    }

    public ValueTask<bool> WaitToReadAsync(CancellationToken ct) => _queue.Reader.WaitToReadAsync(ct);

    /// <summary>Appends every queued refusal in one transaction; returns how many.</summary>
    public async Task<int> WriteQueuedAsync(CancellationToken ct = default)
    {
        var batch = new List<AuthorizationRefusal>();
        while (batch.Count < 200 && _queue.Reader.TryRead(out var r)) batch.Add(r);
        if (batch.Count == 0) return 0;

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            // Chain by chain, in one order for every instance: two portals' batches then queue on the same head
            // first instead of each holding a head the other waits for (a deadlock on SQL Server).
            foreach (var r in batch.OrderBy(r => AuditChains.Of(r.TenantId)))
            {
                await audit.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, r.Target ?? r.Operation, r.Actor, r.ActorOid, r.TenantId,
                    new Dictionary<string, object?> { ["operation"] = r.Operation, ["reason"] = LogText.Neutralise(r.Reason, 300) }), token);
            }
            return batch.Count;
        }, ct);
        return batch.Count;
    }
}
