namespace LockboxPortal.Domain.Audit;

/// <summary>
/// Checkpoint <see cref="Number"/> of chain <see cref="ChainId"/>: a signed statement "this chain through entry
/// <see cref="Sequence"/> hashes to <see cref="Hash"/>, and the checkpoint before this one is the one whose
/// signature hashes to <see cref="PreviousHash"/>". Someone who can rewrite the database can recompute the hash
/// chain, but cannot sign a matching checkpoint without the portal's private key; and because each checkpoint
/// is also written outside the database (an anchor), deleting the newest checkpoints with the newest entries is
/// caught too.
/// </summary>
public class AuditCheckpoint
{
    public Guid ChainId { get; set; }
    public long Number { get; set; }
    public long Sequence { get; set; }
    public required string Hash { get; set; }

    /// <summary>SHA-256 (hex) of the previous checkpoint's <see cref="Signature"/>; empty for checkpoint 1.</summary>
    public string PreviousHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public required string KeyId { get; set; }

    /// <summary>Compact JWS (ES256) over chain, number, sequence, hash, previous and time. The anchor holds the same text.</summary>
    public required string Signature { get; set; }

    /// <summary>When the anchor store confirmed the copy; null while it has not (the checkpointer retries).</summary>
    public DateTimeOffset? AnchoredAt { get; set; }
}
