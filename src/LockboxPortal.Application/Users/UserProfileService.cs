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
            await RecordRefusalAsync(principal.FindFirst(PortalClaimTypes.Name)?.Value, null, "token lacks tid or oid", ct);
            return null;
        }

        await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            if (user.IsCustomer && !await db.Tenants.AnyAsync(t => t.Id == user.TenantId, token))
            {
                var tenant = new Tenant
                {
                    Id = user.TenantId,
                    DisplayName = TenantNameFrom(user.Email, user.TenantId),
                    LockboxEnabled = lockbox.CurrentValue.EnabledForNewTenants,
                    CreatedAt = now,
                };
                db.Tenants.Add(tenant);
                // The first sign-in decides the tenant's Lockbox state (Lockbox:EnabledForNewTenants): a fact its approvers must be able to trace.
                await audit.AppendAsync(db, new AuditRecord(AuditActions.TenantOnboarded, $"tenant/{tenant.Id}", user.Name, user.Oid, tenant.Id,
                    new Dictionary<string, object?> { ["displayName"] = tenant.DisplayName, ["lockboxEnabled"] = tenant.LockboxEnabled }), token);
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

    /// <summary>Audits a refused sign-in: who it claimed to be (never the token itself) and why.</summary>
    public async Task RecordRefusalAsync(string? name, Guid? tenantId, string reason, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
            await audit.AppendAsync(db, new AuditRecord(AuditActions.SignInRefused, "signin", name ?? "(unknown)", null, tenantId,
                new Dictionary<string, object?> { ["reason"] = reason }), token), ct);
    }

    private static string TenantNameFrom(string email, Guid tenantId)
    {
        var at = email.IndexOf('@');
        return at > 0 && at < email.Length - 1 ? email[(at + 1)..] : $"Tenant {tenantId.ToString()[..8]}";
    }
}
