using System.Security.Claims;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Users;

/// <summary>Records who signed in (used to find approvers to email) and registers a customer tenant on first sight.</summary>
public sealed class UserProfileService(
    ILockboxDbContextFactory dbFactory,
    PortalClaimsMapper mapper,
    TimeProvider time,
    AuditWriter audit,
    IOptionsMonitor<LockboxOptions> lockbox)
{
    /// <summary>Returns the mapped user, or null when the principal lacks the claims the portal needs (refusal is audited).</summary>
    public async Task<PortalUser?> RecordSignInAsync(ClaimsPrincipal principal, CancellationToken ct = default)
    {
        var user = mapper.Map(principal);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (user is null)
        {
            await db.InTransactionAsync(async token =>
                await audit.AppendAsync(db, new AuditRecord(AuditActions.SignInRefused, "signin",
                    principal.FindFirst(PortalClaimTypes.Name)?.Value ?? "(unknown)", null, null,
                    new Dictionary<string, object?> { ["reason"] = "token lacks tid or oid" }), token), ct);
            return null;
        }

        await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            if (user.IsCustomer && !await db.Tenants.AnyAsync(t => t.Id == user.TenantId, token))
            {
                db.Tenants.Add(new Tenant
                {
                    Id = user.TenantId,
                    DisplayName = TenantNameFrom(user.Email, user.TenantId),
                    LockboxEnabled = lockbox.CurrentValue.EnabledForNewTenants,
                    CreatedAt = now,
                });
            }

            var profile = await db.UserProfiles.SingleOrDefaultAsync(p => p.Oid == user.Oid, token);
            if (profile is null)
            {
                profile = new UserProfile { Oid = user.Oid, DisplayName = user.Name, Email = user.Email, FirstSeenAt = now };
                db.UserProfiles.Add(profile);
            }
            profile.TenantId = user.TenantId;
            profile.DisplayName = user.Name;
            profile.Email = user.Email;
            profile.IsGlobalAdministrator = user.IsGlobalAdministrator;
            profile.IsApprover = user.HasApproverRole;
            profile.IsEngineer = user.IsEngineer;
            profile.SupportOrganization = user.SupportOrganization;
            profile.Roles = string.Join(' ', user.Roles);
            profile.LastSeenAt = now;
            return 0;
        }, ct);
        return user;
    }

    private static string TenantNameFrom(string email, Guid tenantId)
    {
        var at = email.IndexOf('@');
        return at > 0 && at < email.Length - 1 ? email[(at + 1)..] : $"Tenant {tenantId.ToString()[..8]}";
    }
}
