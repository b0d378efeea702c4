using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Lockbox;

/// <summary>
/// What the claims cannot say about an approver and <see cref="RequestActions"/> needs: the subscriptions a Global
/// Administrator made them an approver of, and which of the requests at hand they already approved (a person
/// counts once toward a quorum). Loaded per operation for the requests it is about.
/// </summary>
public sealed record ApproverScope(IReadOnlySet<Guid> Subscriptions, IReadOnlySet<Guid> ApprovedRequests)
{
    public static readonly ApproverScope None = new(new HashSet<Guid>(), new HashSet<Guid>());

    public bool ApprovesSubscription(Guid? subscriptionId) => subscriptionId is { } s && Subscriptions.Contains(s);

    public static async Task<ApproverScope> LoadAsync(ILockboxDbContext db, PortalUser user, IReadOnlyCollection<AccessRequest> requests, CancellationToken ct)
    {
        if (!user.IsCustomer || requests.Count == 0) return None;
        var subscriptions = await db.SubscriptionApprovers.AsNoTracking()
            .Where(a => a.ApproverOid == user.Oid && a.TenantId == user.TenantId)
            .Select(a => a.SubscriptionId).ToListAsync(ct);
        // Only a request that needs several approvals can have been approved by the caller and still wait.
        var multiParty = requests.Where(r => r.RequiredApprovals > 1 && r.ApprovalCount > 0).Select(r => r.Id).ToList();
        var approved = multiParty.Count == 0 ? [] : await db.RequestApprovals.AsNoTracking()
            .Where(a => a.ApproverOid == user.Oid && multiParty.Contains(a.RequestId))
            .Select(a => a.RequestId).ToListAsync(ct);
        return new ApproverScope(subscriptions.ToHashSet(), approved.ToHashSet());
    }
}
