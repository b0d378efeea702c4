using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Audit;

/// <summary>What splitting the portal-wide chain of an earlier version did.</summary>
public sealed record AuditRechainResult(long LegacyEntries, string LegacyLastHash, int LegacyCheckpoints, int Chains);

/// <summary>
/// The second half of the move to per-tenant chains (the migration <c>PerTenantAuditChains</c> is the first):
/// the migration parks the old portal-wide chain under <see cref="AuditChains.Legacy"/>; this verifies it as it
/// was (hashes, head, signed checkpoints) and, only when intact, re-chains every entry into its tenant's chain
/// (or the portal chain) in one transaction, records that in the portal chain (<see cref="AuditActions.AuditChainsSplit"/>,
/// with the old chain's last hash, so the old signed checkpoints still vouch for what was split) and signs and
/// anchors the new chains. A broken old chain is left as it is and named.
/// </summary>
public sealed class AuditRechainer(
    ILockboxDbContextFactory dbFactory,
    AuditWriter writer,
    AuditCheckpointer checkpointer,
    ISigningKeyStore keys,
    ILogger<AuditRechainer> logger)
{
    public const string Actor = "Lockbox Portal (audit migration)";
    private const int BatchSize = 5000;

    /// <summary>Null when there is nothing of the old chain left (a new portal, or already done).</summary>
    public async Task<AuditRechainResult?> RechainAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var legacyHead = await db.AuditChainHeads.AsNoTracking().SingleOrDefaultAsync(h => h.ChainId == AuditChains.Legacy, ct);
        if (legacyHead is null) return null;
        if (await db.AuditEntries.AnyAsync(e => e.ChainId != AuditChains.Legacy, ct))
            throw new InvalidOperationException("The old portal-wide audit chain cannot be split: entries were already written to per-tenant chains " +
                "(the portal ran after the migration without re-chaining). Restore the database from before the migration, then start this version once.");

        var checkpoints = await VerifyLegacyAsync(db, legacyHead, ct);

        var result = await db.InTransactionAsync(async token =>
        {
            var heads = new Dictionary<Guid, AuditChainHead>();
            long from = 0, moved = 0;
            while (true)
            {
                var after = from;
                var batch = await db.AuditEntries.AsNoTracking()
                    .Where(e => e.ChainId == AuditChains.Legacy && e.Sequence > after)
                    .OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(token);
                if (batch.Count == 0) break;
                from = batch[^1].Sequence; // before the entries are renumbered below
                foreach (var e in batch)
                {
                    var chain = AuditChains.Of(e.TenantId);
                    if (!heads.TryGetValue(chain, out var head)) heads[chain] = head = new AuditChainHead { ChainId = chain };
                    e.ChainId = chain;
                    e.Sequence = ++head.Sequence;
                    e.PreviousHash = head.LastHash;
                    e.Hash = AuditWriter.ComputeHash(e);
                    head.LastHash = e.Hash;
                    db.AuditEntries.Add(e);
                }
                moved += batch.Count;
                await db.SaveChangesAsync(token);
                // Forget the saved batch so a long log re-chains in flat memory (the port hides the tracker).
                (db as DbContext)?.ChangeTracker.Clear();
            }

            await db.AuditEntries.Where(e => e.ChainId == AuditChains.Legacy).ExecuteDeleteAsync(token);
            await db.AuditCheckpoints.Where(c => c.ChainId == AuditChains.Legacy).ExecuteDeleteAsync(token);
            // No entry is in a per-tenant chain yet (checked above), so every other head is still empty.
            await db.AuditChainHeads.ExecuteDeleteAsync(token);
            db.AuditChainHeads.AddRange(heads.Values);
            await db.SaveChangesAsync(token);

            var split = new AuditRechainResult(moved, legacyHead.LastHash, checkpoints, heads.Count);
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuditChainsSplit, "audit-log", Actor, null, null,
                new Dictionary<string, object?>
                {
                    ["legacyEntries"] = split.LegacyEntries,
                    ["legacyLastHash"] = split.LegacyLastHash,
                    ["legacyCheckpoints"] = split.LegacyCheckpoints,
                    ["chains"] = split.Chains,
                }), token);
            return split;
        }, ct);

        logger.LogWarning("Split the portal-wide audit chain ({Entries} entries, last hash {Hash}) into {Chains} per-tenant chains",
            result.LegacyEntries, result.LegacyLastHash, result.Chains);
        await checkpointer.CheckpointAsync(ct);
        return result;
    }

    /// <summary>The old chain as the old verifier saw it; returns how many signed checkpoints vouched for it.</summary>
    private async Task<int> VerifyLegacyAsync(ILockboxDbContext db, AuditChainHead head, CancellationToken ct)
    {
        var publicKeys = (await keys.GetAllPublicKeysAsync(ct)).Select(k => k.ToJsonWebKey()).ToList();
        var signed = new Dictionary<long, string>();
        foreach (var c in await db.AuditCheckpoints.AsNoTracking().Where(c => c.ChainId == AuditChains.Legacy).ToListAsync(ct))
        {
            var claims = await AuditCheckpointTokens.VerifyAsync(c.Signature, publicKeys);
            if (claims is null || claims.Sequence != c.Sequence || claims.Hash != c.Hash)
                throw Broken(c.Sequence, $"the checkpoint for entry {c.Sequence} does not carry a valid signature of the portal");
            signed[c.Sequence] = c.Hash;
        }

        long expected = 1;
        var previous = "";
        while (true)
        {
            var from = expected;
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.ChainId == AuditChains.Legacy && e.Sequence >= from)
                .OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0) break;
            foreach (var e in batch)
            {
                if (e.Sequence != expected) throw Broken(expected, "the entry is missing");
                if (e.PreviousHash != previous) throw Broken(expected, "it does not chain from the entry before it");
                if (AuditWriter.ComputeHash(e) != e.Hash) throw Broken(expected, "its content does not match its hash");
                if (signed.TryGetValue(e.Sequence, out var hash) && hash != e.Hash) throw Broken(expected, "it differs from its signed checkpoint");
                previous = e.Hash;
                expected++;
            }
        }
        if (expected - 1 != head.Sequence || previous != head.LastHash)
            throw Broken(expected, $"the chain head says the log reaches entry {head.Sequence}");
        if (signed.Keys.Where(s => s > head.Sequence).Any())
            throw Broken(head.Sequence + 1, "a signed checkpoint covers entries the log no longer has");
        return signed.Count;
    }

    private static InvalidOperationException Broken(long entry, string why) =>
        new($"The old portal-wide audit chain is broken at entry {entry} ({why}); it was left as it is and not split into per-tenant chains. " +
            "Investigate with `audit verify`, or restore the database from a backup, then start the portal again.");
}
