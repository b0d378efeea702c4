using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Grants;
using LockboxPortal.Domain.Lockbox;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Grants;

public sealed class GrantOptions
{
    public const string Section = "Grants";

    /// <summary>The <c>iss</c> of grants; empty means Portal:PublicBaseUrl.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> gateways check.</summary>
    public string Audience { get; set; } = "lockbox-gateways";
}

/// <summary>
/// Signs the grant of an approved request inside the approval's transaction: the grant, its audit entry and
/// the approval commit together. The key is fetched before the transaction so a first-run key generation
/// never waits on the approval's own lock.
/// </summary>
public sealed class GrantIssuer(TimeProvider time, AuditWriter audit, IOptionsMonitor<GrantOptions> options, IOptionsMonitor<PortalOptions> portal)
{
    public string Issuer => string.IsNullOrWhiteSpace(options.CurrentValue.Issuer) ? portal.CurrentValue.PublicBaseUrl : options.CurrentValue.Issuer!;
    public string Audience => options.CurrentValue.Audience;

    public async Task<AccessGrant> IssueAsync(ILockboxDbContext db, AccessRequest r, ActiveSigningKey key, CancellationToken ct)
    {
        if (r.Status != AccessRequestStatus.Approved || r.AccessStartsAt is not { } starts || r.AccessEndsAt is not { } ends)
            throw new InvalidOperationException("A grant is issued for an approved request with an access window.");

        var issuedAt = time.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            [GrantClaims.RequestId] = r.Id.ToString(),
            [GrantClaims.TenantId] = r.TenantId.ToString(),
            [GrantClaims.EngineerOid] = r.EngineerOid.ToString(),
            [GrantClaims.EngineerName] = r.EngineerName,
            [GrantClaims.EngineerEmail] = r.EngineerEmail,
            [GrantClaims.Organization] = r.SupportOrganization,
            [GrantClaims.Ticket] = r.TicketNumber,
            [GrantClaims.ScopeKind] = r.ScopeKind.ToString().ToLowerInvariant(),
            [GrantClaims.ResourceIds] = r.ResourceIdList.ToArray(),
            ["jti"] = r.Id.ToString(),
        };
        if (r.SubscriptionId is { } sub) claims[GrantClaims.SubscriptionId] = sub.ToString();

        var grant = new AccessGrant
        {
            RequestId = r.Id,
            TenantId = r.TenantId,
            KeyId = key.KeyId,
            IssuedAt = issuedAt,
            NotBefore = starts,
            ExpiresAt = ends,
            Token = GrantTokens.Sign(key, GrantTokens.GrantType, claims, Issuer, Audience, starts, ends, issuedAt),
        };
        db.AccessGrants.Add(grant);
        await audit.AppendAsync(db, new AuditRecord(AuditActions.GrantIssued, $"access-request/{r.Id}", "System", null, r.TenantId,
            new Dictionary<string, object?>
            {
                ["keyId"] = key.KeyId,
                ["notBefore"] = starts,
                ["expiresAt"] = ends,
            }), ct);
        return grant;
    }
}

/// <summary>Whether a grant's scope covers a resource id.</summary>
public static class GrantScope
{
    /// <summary>
    /// A tenant-wide grant, or a subscription grant without resource ids, covers everything in its scope;
    /// otherwise a granted id must be the resource or one of its ancestors (a prefix ending at a '/' boundary),
    /// compared case-insensitively as Azure resource ids are.
    /// </summary>
    public static bool Covers(AccessScopeKind kind, Guid? subscriptionId, IReadOnlyList<string> grantedIds, string resourceId)
    {
        var resource = Normalise(resourceId);
        if (resource.Length == 0) return false;
        if (grantedIds.Count == 0)
        {
            return kind == AccessScopeKind.Tenant
                || (subscriptionId is { } sub && IsAtOrUnder(resource, $"/subscriptions/{sub}"));
        }
        return grantedIds.Any(g => IsAtOrUnder(resource, Normalise(g)));
    }

    private static bool IsAtOrUnder(string resource, string granted) =>
        granted.Length > 0
        && resource.StartsWith(granted, StringComparison.OrdinalIgnoreCase)
        && (resource.Length == granted.Length || resource[granted.Length] == '/');

    private static string Normalise(string? id)
    {
        var s = (id ?? "").Trim().TrimEnd('/');
        // Path tricks never widen a grant: an id that is not absolute, or has an empty, '.' or '..' segment, matches nothing.
        if (!s.StartsWith('/') || s[1..].Split('/').Any(seg => seg is "" or "." or "..")) return "";
        return s;
    }
}
