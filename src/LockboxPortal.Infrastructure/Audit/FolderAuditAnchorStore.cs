using System.Text;
using LockboxPortal.Application.Audit;

namespace LockboxPortal.Infrastructure.Audit;

/// <summary>
/// Anchors as files <c>{root}/{chain}/{number}.jws</c>. Each file is written once (to a temporary name, then
/// moved into place without overwriting), so a crash leaves either no anchor or a whole one.
/// </summary>
internal sealed class FolderAuditAnchorStore(string root) : IAuditAnchorStore
{
    public string Description => $"the anchor folder {root}";

    public Task EnsureCreatedAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(root);
        return Task.CompletedTask;
    }

    public async Task WriteAsync(AuditAnchor anchor, CancellationToken ct)
    {
        var path = Path.Combine(root, AuditAnchorNames.Of(anchor.ChainId, anchor.Number));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            await EnsureSameAsync(path, anchor, ct);
            return;
        }
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(anchor.Signature), ct);
            await file.FlushAsync(ct);
        }
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            await EnsureSameAsync(path, anchor, ct);
        }
    }

    private static async Task EnsureSameAsync(string path, AuditAnchor anchor, CancellationToken ct)
    {
        if ((await File.ReadAllTextAsync(path, ct)).Trim() != anchor.Signature)
            throw new AuditAnchorConflictException($"{path} already holds another checkpoint {anchor.Number}; it is never overwritten.");
    }

    public async Task<IReadOnlyList<AuditAnchor>> ListAsync(Guid chainId, CancellationToken ct)
    {
        EnsureExists();
        var folder = Path.Combine(root, chainId.ToString("D"));
        if (!Directory.Exists(folder)) return [];
        var anchors = new List<AuditAnchor>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + AuditAnchorNames.Extension).Order(StringComparer.Ordinal))
        {
            if (AuditAnchorNames.Parse(Path.GetRelativePath(root, path)) is not { } name) continue;
            anchors.Add(new AuditAnchor(name.ChainId, name.Number, (await File.ReadAllTextAsync(path, ct)).Trim()));
        }
        return anchors;
    }

    public Task<IReadOnlyList<Guid>> ListChainsAsync(CancellationToken ct)
    {
        EnsureExists();
        IReadOnlyList<Guid> chains = Directory.EnumerateDirectories(root)
            .Select(d => Guid.TryParseExact(Path.GetFileName(d), "D", out var g) ? g : (Guid?)null)
            .OfType<Guid>().ToList();
        return Task.FromResult(chains);
    }

    private void EnsureExists()
    {
        if (!Directory.Exists(root))
            throw new AuditAnchorStoreUnavailableException(
                $"The anchor folder {root} does not exist: the checkpoints were checked against the database alone, which cannot show a cut-off end of the log. " +
                "Check Audit:Anchors:Folder (the portal creates it at its first checkpoint) or restore the folder from its backup.");
    }
}
