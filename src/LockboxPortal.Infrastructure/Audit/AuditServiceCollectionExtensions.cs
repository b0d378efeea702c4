using Azure.Core;
using Azure.Storage.Blobs;
using LockboxPortal.Application.Audit;
using LockboxPortal.Infrastructure.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Audit;

public static class AuditServiceCollectionExtensions
{
    /// <summary>The anchor store for signed checkpoints (a folder unless configured) and the audit workers.</summary>
    public static IServiceCollection AddAuditAnchoring(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<AuditAnchorOptions>().Bind(configuration.GetSection(AuditAnchorOptions.Section))
            .Validate(o => o.Store != AuditAnchorStoreKind.AzureBlob || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Audit:Anchors:Store is AzureBlob but Audit:Anchors:ConnectionString is empty. Set it in the environment (Audit__Anchors__ConnectionString).")
            .Validate(o => o.Store != AuditAnchorStoreKind.Folder || !string.IsNullOrWhiteSpace(o.Folder),
                "Audit:Anchors:Folder must name a folder, e.g. \"data/audit-digests\".")
            .Validate(o => o.ImmutabilityDays >= 0, "Audit:Anchors:ImmutabilityDays must be 0 or more.")
            .ValidateOnStart();
        services.AddSingleton<IAuditAnchorStore>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<AuditAnchorOptions>>().Value;
            if (o.Store == AuditAnchorStoreKind.AzureBlob)
            {
                var clientOptions = new BlobClientOptions();
                clientOptions.Retry.MaxRetries = 2;
                clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
                clientOptions.Retry.Mode = RetryMode.Exponential;
                var container = new BlobServiceClient(o.ConnectionString, clientOptions).GetBlobContainerClient(o.Container);
                return new BlobAuditAnchorStore(container, o, sp.GetRequiredService<TimeProvider>());
            }
            var folder = Path.IsPathRooted(o.Folder) ? o.Folder : Path.Combine(contentRoot, o.Folder);
            return new FolderAuditAnchorStore(Path.GetFullPath(folder));
        });
        services.AddHostedService<AuditCheckpointWorker>();
        services.AddHostedService<RefusalAuditWorker>();
        return services;
    }
}
