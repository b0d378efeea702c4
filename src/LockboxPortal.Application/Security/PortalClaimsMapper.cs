using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Security;

/// <summary>
/// The one place claims become a <see cref="PortalUser"/>, for Entra ID and the Development sign-in alike,
/// so the same rules run in development, tests and production.
/// </summary>
public sealed class PortalClaimsMapper(IOptionsMonitor<SupportOrganizationsOptions> organizations)
{
    public PortalUser? Map(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true) return null;

        var tid = First(principal, PortalClaimTypes.TenantId, PortalClaimTypes.TenantIdLong);
        var oid = First(principal, PortalClaimTypes.ObjectId, PortalClaimTypes.ObjectIdLong);
        if (!Guid.TryParse(tid, out var tenantId) || !Guid.TryParse(oid, out var objectId)) return null;

        // Shown on pages and stored beside what the user did: one line, and no longer than the columns that keep it.
        var name = Audit.LogText.Neutralise(First(principal, PortalClaimTypes.Name, ClaimTypes.Name) ?? "(unnamed)", PortalUser.NameMaxLength);
        var email = First(principal, PortalClaimTypes.PreferredUsername, PortalClaimTypes.Email, ClaimTypes.Email, ClaimTypes.Upn) ?? "";
        var roles = All(principal, PortalClaimTypes.Roles, ClaimTypes.Role);
        var wids = All(principal, PortalClaimTypes.DirectoryRoles);
        var isGlobalAdmin = wids.Contains(DirectoryRoles.GlobalAdministrator, StringComparer.OrdinalIgnoreCase);

        var organization = organizations.CurrentValue.ByTenant(tenantId);
        var kind = organization is null
            ? PortalUserKind.Customer
            : roles.Contains(AppRoles.Engineer, StringComparer.Ordinal) ? PortalUserKind.Engineer : PortalUserKind.SupportStaffWithoutRole;

        return new PortalUser(
            objectId, tenantId, name, email,
            IsGlobalAdministrator: isGlobalAdmin,
            HasApproverRole: roles.Contains(AppRoles.Approver, StringComparer.Ordinal),
            kind, organization?.Name, roles);
    }

    private static string? First(ClaimsPrincipal p, params string[] types) =>
        types.Select(t => p.FindFirst(t)?.Value).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string[] All(ClaimsPrincipal p, params string[] types) =>
        types.SelectMany(t => p.FindAll(t)).Select(c => c.Value).Distinct().ToArray();
}
