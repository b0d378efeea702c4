using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.ServicePrincipals;

/// <summary>
/// Names in the directory are told apart ignoring case, as Azure does for resource groups and as the portal does for
/// service principals (a name is one application per tenant), and with the same answer on SQLite and SQL Server: the
/// database narrows the rows with <see cref="LikePattern.EqualIgnoringCase"/>, .NET decides. SQLite's = would take
/// "prod-rg" beside an existing "Prod-RG" as a new group, and its lower() folds only A–Z.
/// </summary>
public static class DirectoryNames
{
    /// <summary>The tenant's record of the resource group named <paramref name="name"/> in the subscription, in any case.</summary>
    public static async Task<ResourceGroup?> FindResourceGroupAsync(this ILockboxDbContext db, Guid tenantId, string subscriptionId,
        string name, CancellationToken ct)
    {
        var pattern = LikePattern.EqualIgnoringCase(name);
        var candidates = await db.ResourceGroups.AsNoTracking()
            .Where(g => g.TenantId == tenantId && g.SubscriptionId == subscriptionId && EF.Functions.Like(g.Name, pattern, LikePattern.Escape))
            .ToListAsync(ct);
        return candidates.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Whether the tenant has a service principal named <paramref name="displayName"/>, in any case.</summary>
    public static async Task<bool> HasServicePrincipalNamedAsync(this ILockboxDbContext db, Guid tenantId, string displayName, CancellationToken ct)
    {
        var pattern = LikePattern.EqualIgnoringCase(displayName);
        var candidates = await db.ServicePrincipals.AsNoTracking()
            .Where(p => p.TenantId == tenantId && EF.Functions.Like(p.DisplayName, pattern, LikePattern.Escape))
            .Select(p => p.DisplayName).ToListAsync(ct);
        return candidates.Any(n => string.Equals(n, displayName, StringComparison.OrdinalIgnoreCase));
    }
}
