using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Grants;

/// <summary>A grant as its engineer (or the customer's users) see it on the request page.</summary>
public sealed record GrantDto(Guid RequestId, string Token, string KeyId, DateTimeOffset IssuedAt, DateTimeOffset NotBefore, DateTimeOffset ExpiresAt, bool IsActive);

/// <summary>A system that asks whether engineers hold grants: a gateway, identified by an API key or an Entra app token.</summary>
public sealed record AccessCheckCaller(string Name, IReadOnlyCollection<Guid> Tenants);

public sealed record AccessCheckQuery(Guid TenantId, string Engineer, string ResourceId);

/// <summary>The answer of the access-check API. Nothing more: a gateway learns no other request's data.</summary>
public sealed record AccessCheckResult(bool Allowed, Guid? RequestId, DateTimeOffset? ExpiresAt)
{
    public static readonly AccessCheckResult Denied = new(false, null, null);
}

public sealed class GrantService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    RefusalAuditor refusals,
    Transparency.AccessTrailService trail)
{
    /// <summary>
    /// The signed grant of an approved request, for those who may see grants (<see cref="Visibility.Grants"/>);
    /// null when the request was never approved. A request the caller cannot see is not found; a grant of a
    /// request they can see but whose grant is not theirs to see is refused.
    /// </summary>
    public async Task<GrantDto?> GetGrantAsync(Guid requestId, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId, ct)
            ?? throw Visibility.RequestNotFound();
        if (!Visibility.CanSeeGrants(user, request))
            throw currentUser.Refuse("Only the customer's approvers and the engineer who filed the request can see its signed grant.");
        var grant = await Visibility.Grants(db, user).AsNoTracking().SingleOrDefaultAsync(g => g.RequestId == requestId, ct);
        if (grant is null) return null;
        var now = time.GetUtcNow();
        var active = request.StatusAt(now) == AccessRequestStatus.Approved && grant.NotBefore <= now;
        return new GrantDto(grant.RequestId, grant.Token, grant.KeyId, grant.IssuedAt, grant.NotBefore, grant.ExpiresAt, active);
    }

    /// <summary>
    /// Whether <paramref name="query"/>'s engineer holds an active grant covering the resource now. Evaluated
    /// against the clock, not the sweeper: revoked, completed, expired, denied and pending all answer false.
    /// A caller asking about a tenant it is not entitled to is refused (and the refusal audited), whether or
    /// not that tenant exists.
    /// </summary>
    public async Task<AccessCheckResult> CheckAccessAsync(AccessCheckCaller caller, AccessCheckQuery query, CancellationToken ct = default)
    {
        if (!caller.Tenants.Contains(query.TenantId))
        {
            refusals.Report(new AuthorizationRefusal(LogText.Neutralise(caller.Name, 100), null, null,
                "AccessChecks.Check", $"tenant/{query.TenantId}", "The caller is not entitled to this tenant."));
            throw new ForbiddenAccessException("This caller is not entitled to ask about that tenant.");
        }
        var engineer = (query.Engineer ?? "").Trim();
        if (engineer.Length is 0 or > 254 || string.IsNullOrWhiteSpace(query.ResourceId) || query.ResourceId.Length > 2048)
            return AccessCheckResult.Denied;

        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var engineers = GatewayEngineer.Candidates(db.AccessRequests.AsNoTracking().Where(r => r.TenantId == query.TenantId), engineer);
        var q = engineers.Where(r => r.AccessStartsAt <= now).Where(AccessRequestLifecycle.HasStatus(AccessRequestStatus.Approved, now));

        // The engineer's own grants decide (at most 100 of them): the database's candidates may hold others' grants too.
        var candidates = await q.Select(r => new { r.Id, r.EngineerEmail, r.ScopeKind, r.SubscriptionId, r.ResourceIds, r.AccessEndsAt })
            .AsAsyncEnumerable().Where(r => GatewayEngineer.Filed(r.EngineerEmail, engineer)).Take(100).ToListAsync(ct);
        var match = candidates
            .Where(r => GrantScope.Covers(r.ScopeKind, r.SubscriptionId,
                r.ResourceIds.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), query.ResourceId))
            .OrderByDescending(r => r.AccessEndsAt)
            .FirstOrDefault();
        var result = match is null ? AccessCheckResult.Denied : new AccessCheckResult(true, match.Id, match.AccessEndsAt);
        await trail.RecordCheckAsync(caller, query, engineer, result, ct);
        return result;
    }
}
