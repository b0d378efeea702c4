using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using LockboxPortal.Application.Audit;

namespace LockboxPortal.Infrastructure.Audit;

/// <summary>
/// Anchors as blobs <c>{chain}/{number}.jws</c> of one container. A blob is created only when none of that name
/// exists (If-None-Match: *), and carries a time-based immutability policy, so neither the portal nor anyone
/// holding its database can replace or delete an anchor before the policy ends.
/// </summary>
internal sealed class BlobAuditAnchorStore(BlobContainerClient container, AuditAnchorOptions options, TimeProvider time) : IAuditAnchorStore
{
    public string Description => $"the blob container {container.Uri.GetLeftPart(UriPartial.Path)}";

    public async Task EnsureCreatedAsync(CancellationToken ct) => await container.CreateIfNotExistsAsync(cancellationToken: ct);

    public async Task WriteAsync(AuditAnchor anchor, CancellationToken ct)
    {
        var blob = container.GetBlobClient(AuditAnchorNames.Of(anchor.ChainId, anchor.Number));
        var upload = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/jose" },
        };
        if (options.ImmutabilityDays > 0)
        {
            upload.ImmutabilityPolicy = new BlobImmutabilityPolicy
            {
                ExpiresOn = time.GetUtcNow().AddDays(options.ImmutabilityDays),
                PolicyMode = options.LockImmutabilityPolicy ? BlobImmutabilityPolicyMode.Locked : BlobImmutabilityPolicyMode.Unlocked,
            };
        }
        try
        {
            await blob.UploadAsync(BinaryData.FromString(anchor.Signature), upload, ct);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Already there: a retry of ours after a lost answer is fine, anything else is a conflict.
            var existing = (await blob.DownloadContentAsync(ct)).Value.Content.ToString().Trim();
            if (existing != anchor.Signature)
                throw new AuditAnchorConflictException($"{blob.Name} in {Description} already holds another checkpoint {anchor.Number}; it is never overwritten.");
        }
    }

    public async Task<IReadOnlyList<AuditAnchor>> ListAsync(Guid chainId, CancellationToken ct)
    {
        await EnsureExistsAsync(ct);
        var anchors = new List<AuditAnchor>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: chainId.ToString("D") + "/", cancellationToken: ct))
            {
                if (AuditAnchorNames.Parse(item.Name) is not { } name) continue;
                var content = (await container.GetBlobClient(item.Name).DownloadContentAsync(ct)).Value.Content.ToString().Trim();
                anchors.Add(new AuditAnchor(name.ChainId, name.Number, content));
            }
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
        return anchors.OrderBy(a => a.Number).ToList();
    }

    public async Task<IReadOnlyList<Guid>> ListChainsAsync(CancellationToken ct)
    {
        await EnsureExistsAsync(ct);
        var chains = new List<Guid>();
        try
        {
            await foreach (var item in container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, delimiter: "/", prefix: null, cancellationToken: ct))
                if (item.IsPrefix && Guid.TryParseExact(item.Prefix.TrimEnd('/'), "D", out var chain)) chains.Add(chain);
        }
        catch (RequestFailedException ex)
        {
            throw Unavailable(ex);
        }
        return chains;
    }

    private async Task EnsureExistsAsync(CancellationToken ct)
    {
        bool exists;
        try
        {
            exists = await container.ExistsAsync(ct);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException)
        {
            throw Unavailable(ex);
        }
        if (!exists)
            throw new AuditAnchorStoreUnavailableException(
                $"The anchor container {Description} does not exist: the checkpoints were checked against the database alone, which cannot show a cut-off end of the log. " +
                "Check Audit:Anchors:Container and the connection string.");
    }

    private AuditAnchorStoreUnavailableException Unavailable(Exception ex) =>
        new($"The anchor store {Description} could not be read ({ex.Message.Split('\n')[0].Trim()}): the checkpoints were checked against the database alone. " +
            "Check Audit:Anchors:ConnectionString and that the storage account is reachable.", ex);
}
