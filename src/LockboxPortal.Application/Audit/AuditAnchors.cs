namespace LockboxPortal.Application.Audit;

/// <summary>The copy of checkpoint <see cref="Number"/> of a chain kept outside the database: its signed JWS, as is.</summary>
public sealed record AuditAnchor(Guid ChainId, long Number, string Signature);

/// <summary>The anchor store cannot be read (missing folder, unreachable account): a warning, not a broken log.</summary>
public sealed class AuditAnchorStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An anchor with this number exists with other content: someone wrote it before us, or it was forged.</summary>
public sealed class AuditAnchorConflictException(string message) : Exception(message);

/// <summary>
/// Where signed checkpoints are written outside the database (the CloudTrail digest-file model): a write-once
/// store, so cutting the tail of the log and deleting the newest checkpoint rows still leaves the anchors that
/// name them. A folder by default; Azure Blob Storage with an immutability policy in production.
/// </summary>
public interface IAuditAnchorStore
{
    /// <summary>Where the anchors are, for messages ("folder /srv/lockbox/data/audit-digests").</summary>
    string Description { get; }

    /// <summary>Creates the store when it does not exist yet (at the checkpointer's first round).</summary>
    Task EnsureCreatedAsync(CancellationToken ct);

    /// <summary>
    /// Writes an anchor once. Writing the same anchor again is a no-op (a retry after a crash); an existing
    /// anchor of that number with other content throws <see cref="AuditAnchorConflictException"/>.
    /// </summary>
    Task WriteAsync(AuditAnchor anchor, CancellationToken ct);

    /// <summary>The chain's anchors by number; throws <see cref="AuditAnchorStoreUnavailableException"/> when the store is missing.</summary>
    Task<IReadOnlyList<AuditAnchor>> ListAsync(Guid chainId, CancellationToken ct);

    /// <summary>Every chain that has anchors; throws <see cref="AuditAnchorStoreUnavailableException"/> when the store is missing.</summary>
    Task<IReadOnlyList<Guid>> ListChainsAsync(CancellationToken ct);
}

/// <summary>Names of anchor files and blobs: <c>{chain}/{number, 12 digits}.jws</c>, so listing sorts by number.</summary>
public static class AuditAnchorNames
{
    public const string Extension = ".jws";

    public static string Of(Guid chainId, long number) => $"{chainId:D}/{number:D12}{Extension}";

    /// <summary>Parses a name made by <see cref="Of"/>; null for anything else in the store.</summary>
    public static (Guid ChainId, long Number)? Parse(string name)
    {
        var parts = name.Replace('\\', '/').Split('/');
        if (parts.Length != 2 || !parts[1].EndsWith(Extension, StringComparison.Ordinal)) return null;
        return Guid.TryParseExact(parts[0], "D", out var chain)
            && long.TryParse(parts[1][..^Extension.Length], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? (chain, n) : null;
    }
}
