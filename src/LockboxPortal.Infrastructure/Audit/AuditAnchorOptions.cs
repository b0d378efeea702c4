namespace LockboxPortal.Infrastructure.Audit;

public enum AuditAnchorStoreKind
{
    /// <summary>A folder on the portal's disk (default <c>data/audit-digests</c>): keep it on storage the database's writers cannot reach.</summary>
    Folder,

    /// <summary>An Azure Blob Storage container: write-once blobs, locked by a time-based immutability policy.</summary>
    AzureBlob,
}

/// <summary>Where signed checkpoints are anchored outside the database (<c>Audit:Anchors</c>).</summary>
public sealed class AuditAnchorOptions
{
    public const string Section = "Audit:Anchors";

    public AuditAnchorStoreKind Store { get; set; } = AuditAnchorStoreKind.Folder;

    /// <summary>Folder store: relative paths are under the folder of appsettings.json.</summary>
    public string Folder { get; set; } = Path.Combine("data", "audit-digests");

    /// <summary>
    /// Blob store: the storage account's connection string, an account key or a SAS limited to create, read and
    /// list; from the environment (<c>Audit__Anchors__ConnectionString</c>), never the repo.
    /// </summary>
    public string? ConnectionString { get; set; }

    public string Container { get; set; } = "audit-digests";

    /// <summary>
    /// Blob store: how long each anchor blob is locked against deletion and change (a per-blob immutability
    /// policy; the container needs version-level immutability). Zero sets none: write-once only, for emulators.
    /// </summary>
    public int ImmutabilityDays { get; set; } = 2557;

    /// <summary>Blob store: lock each blob's policy (cannot be shortened or removed, even by the account owner).</summary>
    public bool LockImmutabilityPolicy { get; set; } = true;
}
