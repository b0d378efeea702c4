using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Audit;

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How often the portal signs and anchors a checkpoint of each chain that has grown since its last one.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Signs a checkpoint of every chain whose head moved since its last checkpoint, chains it to that checkpoint, and
/// writes it to the anchor store. The row is saved before the anchor is written; a checkpoint whose anchor could
/// not be written is anchored again at the next round, so a store outage delays anchors but loses none.
/// </summary>
public sealed class AuditCheckpointer(
    ILockboxDbContextFactory dbFactory,
    ISigningKeyStore keys,
    IAuditAnchorStore anchors,
    TimeProvider time,
    ILogger<AuditCheckpointer> logger)
{
    /// <summary>Signs (and anchors) a checkpoint of each chain that has grown; returns the new checkpoints.</summary>
    public async Task<IReadOnlyList<AuditCheckpoint>> CheckpointAsync(CancellationToken ct = default)
    {
        var key = await keys.GetActiveAsync(ct);
        await anchors.EnsureCreatedAsync(ct);
        await AnchorPendingAsync(ct);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var grown = await db.AuditChainHeads.AsNoTracking()
            .Where(h => h.ChainId != AuditChains.Legacy && h.Sequence > 0)
            .Select(h => new
            {
                h.ChainId,
                h.Sequence,
                h.LastHash,
                Last = db.AuditCheckpoints.Where(c => c.ChainId == h.ChainId).OrderByDescending(c => c.Number)
                    .Select(c => new { c.Number, c.Sequence, c.Signature }).FirstOrDefault(),
            })
            .Where(h => h.Last == null || h.Last.Sequence < h.Sequence)
            .ToListAsync(ct);

        var written = new List<AuditCheckpoint>();
        foreach (var head in grown)
        {
            var now = time.GetUtcNow();
            var number = (head.Last?.Number ?? 0) + 1;
            var previous = head.Last is null ? "" : AuditCheckpointTokens.HashOf(head.Last.Signature);
            var checkpoint = new AuditCheckpoint
            {
                ChainId = head.ChainId,
                Number = number,
                Sequence = head.Sequence,
                Hash = head.LastHash,
                PreviousHash = previous,
                CreatedAt = now,
                KeyId = key.KeyId,
                Signature = AuditCheckpointTokens.Sign(key, head.ChainId, number, head.Sequence, head.LastHash, previous, now),
            };
            await using var write = await dbFactory.CreateDbContextAsync(ct);
            write.AuditCheckpoints.Add(checkpoint);
            try
            {
                await write.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                // Another instance signed this chain's next checkpoint a moment ago: one is enough.
                continue;
            }
            await TryAnchorAsync(checkpoint, ct);
            written.Add(checkpoint);
            logger.LogInformation("Signed audit checkpoint {Number} of the {Chain} chain at entry {Sequence} with key {KeyId}",
                number, AuditChains.Name(head.ChainId), head.Sequence, key.KeyId);
        }
        return written;
    }

    /// <summary>Writes the anchors the store has not confirmed yet.</summary>
    private async Task AnchorPendingAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pending = await db.AuditCheckpoints.AsNoTracking().Where(c => c.AnchoredAt == null && c.ChainId != AuditChains.Legacy)
            .OrderBy(c => c.ChainId).ThenBy(c => c.Number).ToListAsync(ct);
        foreach (var c in pending) await TryAnchorAsync(c, ct);
    }

    private async Task<bool> TryAnchorAsync(AuditCheckpoint checkpoint, CancellationToken ct)
    {
        try
        {
            await anchors.WriteAsync(new AuditAnchor(checkpoint.ChainId, checkpoint.Number, checkpoint.Signature), ct);
        }
        catch (AuditAnchorConflictException ex)
        {
            // The store already holds another checkpoint of this number: the database was restored or rewritten
            // behind the anchors' back. The verifier reports it; the anchor is never overwritten.
            logger.LogError("Anchor {Number} of the {Chain} chain was not written: {Problem}",
                checkpoint.Number, AuditChains.Name(checkpoint.ChainId), ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not write anchor {Number} of the {Chain} chain to {Store}; retrying at the next checkpoint",
                checkpoint.Number, AuditChains.Name(checkpoint.ChainId), anchors.Description);
            return false;
        }
        var anchoredAt = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.AuditCheckpoints.Where(c => c.ChainId == checkpoint.ChainId && c.Number == checkpoint.Number)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.AnchoredAt, anchoredAt), ct);
        checkpoint.AnchoredAt = anchoredAt;
        return true;
    }
}
