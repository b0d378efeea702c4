using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.ServicePrincipals;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>
/// The embedded directory: the portal's own database is the directory. Applications get fresh ids, secrets
/// are made here and only their salted hash is kept (on the credential row the service writes), which is
/// enough to verify a client credential with <see cref="VerifyClientCredentialAsync"/>.
/// </summary>
public sealed class LocalDirectoryProvisioner(ILockboxDbContextFactory dbFactory, TimeProvider time) : IDirectoryProvisioner
{
    public DirectoryProvisionerKind Kind => DirectoryProvisionerKind.Local;

    public async Task EnsureResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, bool mustExist, CancellationToken ct)
    {
        if (!mustExist) return;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.FindResourceGroupAsync(tenantId, subscriptionId, name, ct) is null)
            throw new InputValidationException(nameof(CreateServicePrincipalCommand.ResourceGroupName),
                $"There is no resource group '{name}' in subscription {subscriptionId}. Check the name, or choose 'Create a new resource group'.");
    }

    public async Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.HasServicePrincipalNamedAsync(tenantId, displayName, ct);
    }

    public Task<ProvisionedApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct) =>
        Task.FromResult(new ProvisionedApplication(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()));

    public Task<ProvisionedCredential> AddPasswordAsync(Guid tenantId, Guid applicationObjectId, DateTimeOffset endsAt, CancellationToken ct)
    {
        var secret = ClientSecrets.NewSecret();
        var now = time.GetUtcNow();
        return Task.FromResult(new ProvisionedCredential(Guid.NewGuid(), secret, secret[..3],
            new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero), endsAt, ClientSecrets.Hash(secret)));
    }

    // The service removes the credential row, and with it the hash: nothing else holds the password.
    public Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct) => Task.CompletedTask;

    // The assignment is the scope list the service records on the principal.
    public Task AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct) => Task.CompletedTask;

    public Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, Guid principalObjectId, IReadOnlyList<string> scopes, CancellationToken ct) =>
        Task.CompletedTask;

    /// <summary>The client-credentials check: an unexpired credential of this application in this tenant whose hash matches.</summary>
    public async Task<bool> VerifyClientCredentialAsync(Guid tenantId, Guid appId, string secret, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var hashes = await db.ServicePrincipals.AsNoTracking()
            .Where(p => p.TenantId == tenantId && p.AppId == appId)
            .SelectMany(p => p.Credentials)
            .Where(c => c.EndsAt > now && c.SecretHash != null)
            .Select(c => c.SecretHash)
            .ToListAsync(ct);
        return hashes.Any(h => ClientSecrets.Verify(secret, h));
    }
}
