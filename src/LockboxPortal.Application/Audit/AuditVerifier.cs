using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Audit;

/// <summary>One thing found wrong, at <see cref="Entry"/> when it concerns an entry.</summary>
public sealed record AuditProblem(long? Entry, string Text);

/// <summary>How far a verification has come: <see cref="Verified"/> of <see cref="Total"/> entries.</summary>
public sealed record AuditVerificationProgress(long Verified, long Total);

/// <summary>
/// The outcome of verifying one chain. <see cref="BrokenAt"/> and <see cref="Problem"/> name the first entry that
/// fails; <see cref="Problems"/> lists everything found (missing checkpoints, forged anchors...).
/// <see cref="AnchorWarning"/> says the anchor store could not be read: the chain was checked against the
/// database alone, which does not catch a cut tail.
/// </summary>
public sealed record AuditVerificationResult(
    Guid ChainId,
    bool Intact,
    long VerifiedThrough,
    long? BrokenAt,
    string? Problem,
    long? LastCheckpointSequence,
    DateTimeOffset? LastCheckpointAt,
    int CheckpointsVerified,
    int AnchorsVerified,
    string? AnchorWarning,
    IReadOnlyList<AuditProblem> Problems,
    DateTimeOffset CheckedAt)
{
    public string ChainName => AuditChains.Name(ChainId);

    public string Summary => Intact
        ? VerifiedThrough == 0
            ? "The audit log is empty."
            : $"Intact through entry {VerifiedThrough}; " + (LastCheckpointSequence is { } seq
                ? $"last checkpoint at {LastCheckpointAt:yyyy-MM-dd HH:mm:ss} UTC (entry {seq})" + (seq < VerifiedThrough
                    ? $"; entries {seq + 1}–{VerifiedThrough} are not covered by a signed checkpoint yet."
                    : ".")
                : "no signed checkpoint yet.")
        : (BrokenAt is { } at ? $"Broken at entry {at}: {Problem}" : $"Broken: {Problem}")
          + (VerifiedThrough > 0 ? $" Entries 1–{VerifiedThrough} are intact." : "")
          + (Problems.Count > 1 ? $" {Problems.Count - 1} more problem(s) found." : "");
}

/// <summary>
/// Verifies an audit chain: recomputes the hash chain from its first entry, checks it against the chain head,
/// the chain of signed checkpoints in the database and their anchors outside it. Reads only; batches keep
/// memory flat however long the log is. Not authorized by itself: the <see cref="AuditService"/> (a Global
/// Administrator, their tenant's chain) and the operator's command line (every chain) call it.
/// </summary>
public sealed class AuditVerifier(ILockboxDbContextFactory dbFactory, ISigningKeyStore keys, IAuditAnchorStore anchors, TimeProvider time)
{
    public const int BatchSize = 1000;

    /// <summary>Every chain the database or the anchor store knows, each verified on its own.</summary>
    public async Task<IReadOnlyList<AuditVerificationResult>> VerifyAllAsync(CancellationToken ct = default)
    {
        var chains = new SortedSet<Guid>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            chains.UnionWith(await db.AuditChainHeads.AsNoTracking().Select(h => h.ChainId).ToListAsync(ct));
            chains.UnionWith(await db.AuditCheckpoints.AsNoTracking().Select(c => c.ChainId).Distinct().ToListAsync(ct));
        }
        try
        {
            chains.UnionWith(await anchors.ListChainsAsync(ct));
        }
        catch (AuditAnchorStoreUnavailableException)
        {
            // Each chain's result carries the warning.
        }
        chains.Add(AuditChains.Portal);
        var results = new List<AuditVerificationResult>();
        foreach (var chain in chains) results.Add(await VerifyAsync(chain, null, ct));
        return results;
    }

    public async Task<AuditVerificationResult> VerifyAsync(Guid chainId, IProgress<AuditVerificationProgress>? progress = null, CancellationToken ct = default)
    {
        var checkedAt = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var problems = new List<AuditProblem>();

        if (chainId == AuditChains.Legacy)
            problems.Add(new(null, "The log still holds the single portal-wide chain of an earlier version: run `audit rechain` (the portal does at start) to split it into per-tenant chains."));

        // Read the head first: entries up to it are committed (the head moves in the same transaction as its
        // entry), and entries appended while we verify are left for the next run.
        var head = await db.AuditChainHeads.AsNoTracking().SingleOrDefaultAsync(h => h.ChainId == chainId, ct)
            ?? new AuditChainHead { ChainId = chainId };
        var publicKeys = (await keys.GetAllPublicKeysAsync(ct)).Select(k => k.ToJsonWebKey()).ToList();
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().Where(c => c.ChainId == chainId).OrderBy(c => c.Number).ToListAsync(ct);

        // Checkpoints the portal signed, from the database: each must carry its own claims and follow the one before.
        var trusted = new Dictionary<long, AuditCheckpoint>(); // by number
        AuditCheckpoint? previousRow = null;
        foreach (var c in checkpoints)
        {
            var signed = await AuditCheckpointTokens.VerifyAsync(c.Signature, publicKeys);
            if (signed is null || signed.ChainId != chainId || signed.Number != c.Number || signed.Sequence != c.Sequence
                || signed.Hash != c.Hash || signed.PreviousHash != c.PreviousHash)
                problems.Add(new(c.Sequence, $"checkpoint {c.Number} (entry {c.Sequence}) does not carry a valid signature of the portal: it was forged or altered."));
            else trusted[c.Number] = c;

            var expectedNumber = (previousRow?.Number ?? 0) + 1;
            for (var missing = expectedNumber; missing < c.Number; missing++)
                problems.Add(new(null, $"checkpoint {missing} was deleted from the database (checkpoint {c.Number} follows checkpoint {expectedNumber - 1})."));
            if (c.Number == expectedNumber && c.PreviousHash != (previousRow is null ? "" : AuditCheckpointTokens.HashOf(previousRow.Signature)))
                problems.Add(new(c.Sequence, $"checkpoint {c.Number} does not follow checkpoint {c.Number - 1}: the checkpoints were rewritten."));
            previousRow = c;
        }

        // The anchors outside the database: each must verify, and name a checkpoint the database still has, unchanged.
        var anchored = new Dictionary<long, SignedCheckpoint>(); // by number
        string? anchorWarning = null;
        try
        {
            var byNumber = checkpoints.ToDictionary(c => c.Number);
            foreach (var a in await anchors.ListAsync(chainId, ct))
            {
                var signed = await AuditCheckpointTokens.VerifyAsync(a.Signature, publicKeys);
                if (signed is null || signed.ChainId != chainId || signed.Number != a.Number)
                {
                    problems.Add(new(null, $"anchor file {a.Number} has a bad signature: it was forged or altered in {anchors.Description}."));
                    continue;
                }
                anchored[a.Number] = signed;
                if (!byNumber.TryGetValue(a.Number, out var row))
                    problems.Add(new(signed.Sequence, $"checkpoint {a.Number} (entry {signed.Sequence}) was deleted from the database; its anchor file remains."));
                else if (row.Signature != a.Signature)
                    problems.Add(new(signed.Sequence, $"checkpoint {a.Number} in the database differs from anchor file {a.Number}: the checkpoint was replaced."));
            }
            foreach (var c in checkpoints.Where(c => c.AnchoredAt is not null && !anchored.ContainsKey(c.Number)))
                problems.Add(new(null, $"anchor file {c.Number} is missing from {anchors.Description}, though it was written at {c.AnchoredAt:yyyy-MM-dd HH:mm:ss} UTC: it was deleted."));
        }
        catch (AuditAnchorStoreUnavailableException ex)
        {
            anchorWarning = ex.Message;
        }

        // Every signed statement "entry s hashes to h", whichever copy it survives in.
        var mustMatch = new Dictionary<long, (string Hash, string What)>();
        foreach (var c in trusted.Values) mustMatch[c.Sequence] = (c.Hash, $"the checkpoint signed at {c.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC");
        foreach (var (n, a) in anchored) mustMatch.TryAdd(a.Sequence, (a.Hash, $"anchored checkpoint {n}"));

        long? brokenAt = null;
        long expected = 1;
        var previous = "";
        var total = Math.Max(head.Sequence, mustMatch.Keys.DefaultIfEmpty(0).Max());
        while (brokenAt is null && expected <= head.Sequence)
        {
            var from = expected;
            var batch = await db.AuditEntries.AsNoTracking()
                .Where(e => e.ChainId == chainId && e.Sequence >= from && e.Sequence <= head.Sequence)
                .OrderBy(e => e.Sequence).Take(BatchSize).ToListAsync(ct);
            if (batch.Count == 0) break;

            foreach (var e in batch)
            {
                var problem = Check(e, expected, previous, chainId, mustMatch);
                if (problem is not null)
                {
                    problems.Add(new(expected, problem));
                    brokenAt = expected;
                    break;
                }
                previous = e.Hash;
                expected++;
            }
            progress?.Report(new AuditVerificationProgress(expected - 1, total));
        }

        var last = expected - 1;
        if (brokenAt is null)
        {
            if (last < head.Sequence)
                problems.Add(new(last + 1, $"entries {last + 1}–{head.Sequence} are missing: the chain head says the log reaches entry {head.Sequence}."));
            else if (head.LastHash != previous)
                problems.Add(new(last, $"the chain head does not match entry {last}: the end of the log was rewritten."));

            var beyond = anchored.Where(a => a.Value.Sequence > last).OrderByDescending(a => a.Value.Sequence).FirstOrDefault();
            if (beyond.Value is { } cut)
            {
                var within = anchored.Where(a => a.Value.Sequence <= last).Select(a => (long?)a.Key).Max();
                problems.Add(new(last + 1, $"entries {last + 1}–{cut.Sequence} are missing after " +
                    (within is { } k ? $"anchored checkpoint {k}" : "the start of the log") +
                    $": anchored checkpoint {beyond.Key} covers entry {cut.Sequence}, but the log ends at entry {last}: they were deleted."));
            }
            else if (trusted.Values.Where(c => c.Sequence > last).MaxBy(c => c.Sequence) is { } signedBeyond)
                problems.Add(new(last + 1, $"the checkpoint signed at {signedBeyond.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC covers entry {signedBeyond.Sequence}, but the log ends at entry {last}: entries were deleted."));
        }
        progress?.Report(new AuditVerificationProgress(last, Math.Max(total, last)));

        var lastValid = trusted.Values.MaxBy(c => c.Sequence);
        var first = problems.Where(p => p.Entry is not null).MinBy(p => p.Entry) ?? problems.FirstOrDefault();
        return new AuditVerificationResult(chainId, problems.Count == 0, Math.Min(last, (first?.Entry ?? last + 1) - 1),
            first?.Entry, first?.Text, lastValid?.Sequence, lastValid?.CreatedAt, trusted.Count, anchored.Count, anchorWarning,
            problems.OrderBy(p => p.Entry ?? long.MaxValue).ToList(), checkedAt);
    }

    private static string? Check(AuditEntry e, long expected, string previous, Guid chainId, IReadOnlyDictionary<long, (string Hash, string What)> mustMatch)
    {
        if (e.Sequence != expected)
            return $"entry {expected} is missing (the next entry is {e.Sequence}): it was deleted or renumbered.";
        if (e.PreviousHash != previous)
            return expected == 1
                ? "the first entry does not start the chain: entries before it were removed or it was rewritten."
                : $"entry {expected} does not chain from entry {expected - 1}: entries were reordered, removed or rewritten.";
        if (AuditWriter.ComputeHash(e) != e.Hash)
            return $"the content of entry {expected} does not match its hash: it was edited after it was written.";
        if (chainId != AuditChains.Legacy && AuditChains.Of(e.TenantId) != chainId)
            return $"entry {expected} belongs to another chain (its tenant was changed or it was moved here).";
        if (mustMatch.TryGetValue(expected, out var signed) && signed.Hash != e.Hash)
            return $"entry {expected} differs from {signed.What}: the log through entry {expected} was rewritten.";
        return null;
    }
}
