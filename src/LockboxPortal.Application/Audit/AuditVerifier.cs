using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Audit;

/// <summary>The outcome of recomputing the audit chain. <see cref="BrokenAt"/> names the first entry that fails.</summary>
public sealed record AuditVerificationResult(
    bool Intact,
    long VerifiedThrough,
    long? BrokenAt,
    string? Problem,
    long? LastCheckpointSequence,
    DateTimeOffset? LastCheckpointAt,
    int CheckpointsVerified,
    DateTimeOffset CheckedAt)
{
    public string Summary => Intact
        ? VerifiedThrough == 0
            ? "The audit log is empty."
            : $"Intact through entry {VerifiedThrough}; " + (LastCheckpointSequence is { } seq
                ? $"last checkpoint at {LastCheckpointAt:yyyy-MM-dd HH:mm:ss} UTC (entry {seq})" + (seq < VerifiedThrough
                    ? $"; entries {seq + 1}–{VerifiedThrough} are not covered by a signed checkpoint yet."
                    : ".")
                : "no signed checkpoint yet.")
        : $"Broken at entry {BrokenAt}: {Problem}" + (VerifiedThrough > 0 ? $" Entries 1–{VerifiedThrough} are intact." : "");
}

/// <summary>
/// Recomputes the hash chain from the first entry and checks it against the chain head and every signed
/// checkpoint. Reads only; batches keep memory flat however long the log is. Not authorized by itself: the
/// <see cref="AuditService"/> (Global Administrators) and the operator's command line call it.
/// </summary>
public sealed class AuditVerifier(ILockboxDbContextFactory dbFactory, ISigningKeyStore keys, TimeProvider time)
{
    public const int BatchSize = 1000;

    public async Task<AuditVerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        var checkedAt = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);

        // Read the head first: entries up to it are committed (the head moves in the same transaction as its
        // entry), and entries appended while we verify are left for the next run.
        var head = await db.AuditChainHeads.AsNoTracking().SingleAsync(h => h.Id == AuditChainHead.SingletonId, ct);
        var publicKeys = (await keys.GetAllPublicKeysAsync(ct)).Select(k => k.ToJsonWebKey()).ToList();
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(ct);

        var valid = new Dictionary<long, AuditCheckpoint>();
        AuditCheckpoint? forged = null;
        foreach (var c in checkpoints)
        {
            var signed = await GrantTokens.VerifyCheckpointAsync(c.Signature, publicKeys);
            if (signed is { } s && s.Sequence == c.Sequence && s.Hash == c.Hash) valid[c.Sequence] = c;
            else { forged = c; break; }
        }
        var lastValid = valid.Values.OrderByDescending(c => c.Sequence).FirstOrDefault();

        AuditVerificationResult Broken(long at, string problem) =>
            new(false, at - 1, at, problem, lastValid?.Sequence, lastValid?.CreatedAt, valid.Count, checkedAt);

        long expected = 1;
        var previous = "";
        while (expected <= head.Sequence)
        {
            var from = expected;
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Sequence >= from && e.Sequence <= head.Sequence)
                .OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0) break;

            foreach (var e in batch)
            {
                if (forged is not null && forged.Sequence <= expected)
                    return Broken(forged.Sequence, $"the checkpoint for entry {forged.Sequence} does not carry a valid signature of the portal: it was forged or altered.");
                if (e.Sequence != expected)
                    return Broken(expected, $"entry {expected} is missing (the next entry is {e.Sequence}): it was deleted or renumbered.");
                if (e.PreviousHash != previous)
                    return Broken(expected, expected == 1
                        ? "the first entry does not start the chain: entries before it were removed or it was rewritten."
                        : $"entry {expected} does not chain from entry {expected - 1}: entries were reordered, removed or rewritten.");
                if (AuditWriter.ComputeHash(e) != e.Hash)
                    return Broken(expected, $"the content of entry {expected} does not match its hash: it was edited after it was written.");
                if (valid.TryGetValue(expected, out var checkpoint) && checkpoint.Hash != e.Hash)
                    return Broken(expected, $"entry {expected} differs from the checkpoint signed at {checkpoint.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC: the log through entry {expected} was rewritten.");
                previous = e.Hash;
                expected++;
            }
        }

        var last = expected - 1;
        if (last < head.Sequence)
            return Broken(last + 1, $"entries {last + 1}–{head.Sequence} are missing: the chain head says the log reaches entry {head.Sequence}.");
        if (head.LastHash != previous)
            return Broken(last, $"the chain head does not match entry {last}: the end of the log was rewritten.");
        if (forged is not null)
            return Broken(forged.Sequence, $"the checkpoint for entry {forged.Sequence} does not carry a valid signature of the portal: it was forged or altered.");
        if (lastValid is not null && lastValid.Sequence > last)
            return Broken(last + 1, $"the checkpoint signed at {lastValid.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC covers entry {lastValid.Sequence}, but the log ends at entry {last}: entries were deleted.");

        return new AuditVerificationResult(true, last, null, null, lastValid?.Sequence, lastValid?.CreatedAt, valid.Count, checkedAt);
    }
}
