namespace LockboxPortal.Domain.Audit;

/// <summary>
/// A signed statement "the chain through entry <see cref="Sequence"/> hashes to <see cref="Hash"/>". Someone who
/// can rewrite the database can recompute the hash chain, but cannot sign a matching checkpoint without the
/// portal's private key, so a rewrite of any entry up to the last checkpoint is caught.
/// </summary>
public class AuditCheckpoint
{
    public long Sequence { get; set; }
    public required string Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string KeyId { get; set; }

    /// <summary>Compact JWS (ES256) over sequence, hash and time.</summary>
    public required string Signature { get; set; }
}
