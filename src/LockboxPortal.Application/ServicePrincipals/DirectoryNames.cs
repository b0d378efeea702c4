using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.ServicePrincipals;

/// <summary>
/// Names in the directory are told apart ignoring case, as Azure does for resource groups and as the portal does for
/// service principals (a name is one application per tenant). A name is taken when .NET finds it equal ignoring case
/// (the database narrows the rows with <see cref="LikePattern.EqualIgnoringCase"/>) or when the database's own = does:
/// SQLite's = would take "prod-rg" beside an existing "Prod-RG" as a new group, and its lower() folds only A–Z; SQL
/// Server's collation, which its unique indexes follow, takes a few more names as equal ("ß" and "ss", letters of
/// another width), and a name its index would refuse must be found before anything is made in Azure.
/// </summary>
public static class DirectoryNames
{
    /// <summary>The tenant's record of the resource group named <paramref name="name"/> in the subscription, in any case.</summary>
    public static async Task<ResourceGroup?> FindResourceGroupAsync(this ILockboxDbContext db, Guid tenantId, string subscriptionId,
        string name, CancellationToken ct)
    {
        var pattern = LikePattern.EqualIgnoringCase(name);
        var candidates = await db.ResourceGroups.AsNoTracking()
            .Where(g => g.TenantId == tenantId && g.SubscriptionId == subscriptionId
                && (g.Name == name || EF.Functions.Like(g.Name, pattern, LikePattern.Escape)))
            .Select(g => new { Group = g, SameToTheDatabase = g.Name == name })
            .ToListAsync(ct);
        // The oldest first: a database from before names were compared ignoring case may hold one group under two cases.
        return candidates.Where(c => c.SameToTheDatabase || string.Equals(c.Group.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(c => c.Group).OrderBy(g => g.CreatedAt).ThenBy(g => g.Id).FirstOrDefault();
    }

    /// <summary>Whether the tenant has a service principal named <paramref name="displayName"/>, in any case.</summary>
    public static async Task<bool> HasServicePrincipalNamedAsync(this ILockboxDbContext db, Guid tenantId, string displayName, CancellationToken ct)
    {
        var pattern = LikePattern.EqualIgnoringCase(displayName);
        var candidates = await db.ServicePrincipals.AsNoTracking()
            .Where(p => p.TenantId == tenantId && (p.DisplayName == displayName || EF.Functions.Like(p.DisplayName, pattern, LikePattern.Escape)))
            .Select(p => new { p.DisplayName, SameToTheDatabase = p.DisplayName == displayName })
            .ToListAsync(ct);
        return candidates.Any(c => c.SameToTheDatabase || string.Equals(c.DisplayName, displayName, StringComparison.OrdinalIgnoreCase));
    }
}
