using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Lockbox;

/// <summary>How a request is shown and named, shared by <see cref="LockboxQueries"/>, <see cref="LockboxCommands"/> and the sweeper.</summary>
internal static class AccessRequestProjection
{
    /// <summary>The audit target of a request.</summary>
    internal static string Target(AccessRequest r) => $"access-request/{r.Id}";

    internal static async Task<Dictionary<Guid, string>> TenantNamesAsync(ILockboxDbContext db, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var distinct = ids.Distinct().ToList();
        return await db.Tenants.AsNoTracking().Where(t => distinct.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.DisplayName, ct);
    }

    /// <summary>A request just written, as the caller now sees it; read on a fresh context after the write's has gone.</summary>
    internal static async Task<AccessRequestDto> ToDtoAsync(ILockboxDbContextFactory dbFactory, AccessRequest r, PortalUser user, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var scope = await ApproverScope.LoadAsync(db, user, [r], ct);
        return ToDto(r, await TenantNamesAsync(db, [r.TenantId], ct), user, now, scope);
    }

    internal static AccessRequestDto ToDto(AccessRequest r, IReadOnlyDictionary<Guid, string> tenantNames, PortalUser user, DateTimeOffset now,
        ApproverScope scope) => new(
        r.Id, r.TenantId, tenantNames.GetValueOrDefault(r.TenantId, ""), r.TicketId, r.TicketNumber,
        r.EngineerOid, r.EngineerName, r.EngineerEmail, r.SupportOrganization,
        r.ScopeKind, r.SubscriptionId, r.ResourceIdList, r.Justification, r.RequestedDuration,
        r.StatusAt(now), r.CreatedAt, r.PendingUntil,
        r.Decision, r.ApprovedAutomatically, r.DecidedByName, r.DecidedAt, r.DecisionReason, r.AccessStartsAt, r.AccessEndsAt,
        r.ClosedAt, r.ClosedByName, r.ClosedReason,
        r.NextDeadlineAt(now), RequestActions.For(r, user, now, scope), Visibility.CanSeeGrants(user, r),
        r.Reason, r.RequiredApprovals, r.ApprovalCount, r.PolicySummary);
}
