using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Lockbox;

internal static class TransitionWrites
{
    /// <summary>
    /// Writes what a domain transition changed, on the condition that the stored row still allows the event at
    /// <paramref name="now"/>: of two writers racing for the same request, one updates a row and the other none.
    /// Every lifecycle field is written from <paramref name="after"/>; none of them changes without a status change,
    /// so a row that still meets the condition holds exactly what the transition started from. An approval also
    /// changes the approval count, possibly without a status change, so it is conditional on the count it started
    /// from (<paramref name="approvalsBefore"/>) and writes the new one: a compare-and-set per approver.
    /// </summary>
    public static Task<int> WriteTransitionAsync(this IQueryable<AccessRequest> scope, AccessRequest after, LifecycleEvent @event,
        DateTimeOffset now, CancellationToken ct, int? approvalsBefore = null)
    {
        var q = scope.Where(x => x.Id == after.Id).Where(AccessRequestLifecycle.Allows(@event, now));
        if (approvalsBefore is { } before) q = q.Where(x => x.ApprovalCount == before);
        return q.ExecuteUpdateAsync(s =>
        {
            if (approvalsBefore is not null) s.SetProperty(x => x.ApprovalCount, after.ApprovalCount);
            s
                .SetProperty(x => x.Status, after.Status)
                .SetProperty(x => x.DecidedAt, after.DecidedAt)
                .SetProperty(x => x.DecidedByOid, after.DecidedByOid)
                .SetProperty(x => x.DecidedByName, after.DecidedByName)
                .SetProperty(x => x.DecisionReason, after.DecisionReason)
                .SetProperty(x => x.AccessStartsAt, after.AccessStartsAt)
                .SetProperty(x => x.AccessEndsAt, after.AccessEndsAt)
                .SetProperty(x => x.ClosedAt, after.ClosedAt)
                .SetProperty(x => x.ClosedByName, after.ClosedByName)
                .SetProperty(x => x.ClosedReason, after.ClosedReason);
        }, ct);
    }
}
