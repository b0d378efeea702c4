using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Audit;

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How often the portal signs a checkpoint of the chain (when it has grown since the last one).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>Signs the chain's current head: sequence and hash, with the portal's key.</summary>
public sealed class AuditCheckpointer(ILockboxDbContextFactory dbFactory, ISigningKeyStore keys, TimeProvider time, ILogger<AuditCheckpointer> logger)
{
    /// <summary>Writes a checkpoint of the newest entry; null when the newest entry already has one (or there is none).</summary>
    public async Task<AuditCheckpoint?> CheckpointAsync(CancellationToken ct = default)
    {
        var key = await keys.GetActiveAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var last = await db.AuditEntries.AsNoTracking().OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(ct);
        if (last is null) return null;
        if (await db.AuditCheckpoints.AnyAsync(c => c.Sequence >= last.Sequence, ct)) return null;

        var now = time.GetUtcNow();
        var checkpoint = new AuditCheckpoint
        {
            Sequence = last.Sequence,
            Hash = last.Hash,
            CreatedAt = now,
            KeyId = key.KeyId,
            Signature = GrantTokens.Sign(key, GrantTokens.CheckpointType,
                new Dictionary<string, object> { ["seq"] = last.Sequence, ["hash"] = last.Hash }, issuedAt: now),
        };
        db.AuditCheckpoints.Add(checkpoint);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another instance signed the same head a moment ago: one checkpoint per entry is enough.
            return null;
        }
        logger.LogInformation("Signed audit checkpoint at entry {Sequence} with key {KeyId}", checkpoint.Sequence, key.KeyId);
        return checkpoint;
    }
}
