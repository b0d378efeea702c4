using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Lockbox;

public sealed record SweepResult(int Expired, int Completed, int Reminded = 0);

/// <summary>
/// Writes down what time already decided: pending requests past their deadline become Expired, approved
/// ones past their window become Completed. Reads never wait for it (see <see cref="AccessRequest.StatusAt"/>).
/// Each request moves in its own transaction with a conditional update, so several instances can sweep at once.
/// It also sends the approvers' reminder before a pending deadline, claimed the same way so it goes out once.
/// </summary>
public sealed class LifecycleSweeper(
    ILockboxDbContextFactory dbFactory,
    TimeProvider time,
    AuditWriter audit,
    NotificationComposer notifications,
    IPortalEvents events,
    ILogger<LifecycleSweeper> logger)
{
    public const int BatchSize = 100;

    public async Task<SweepResult> SweepAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var expired = 0;
        var completed = 0;
        var reminded = 0;

        List<Guid> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = await db.AccessRequests.AsNoTracking()
                .Where(AccessRequestLifecycle.Allows(LifecycleEvent.Expire, now))
                .OrderBy(r => r.PendingUntil).Select(r => r.Id).Take(BatchSize).ToListAsync(ct);
        }
        foreach (var id in due)
            if (await MoveAsync(id, LifecycleEvent.Expire, now, ct)) expired++;

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = await db.AccessRequests.AsNoTracking()
                .Where(AccessRequestLifecycle.Allows(LifecycleEvent.Complete, now))
                .OrderBy(r => r.AccessEndsAt).Select(r => r.Id).Take(BatchSize).ToListAsync(ct);
        }
        foreach (var id in due)
            if (await MoveAsync(id, LifecycleEvent.Complete, now, ct)) completed++;

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = await ReminderDue(db.AccessRequests.AsNoTracking(), now)
                .OrderBy(r => r.ReminderDueAt).Select(r => r.Id).Take(BatchSize).ToListAsync(ct);
        }
        foreach (var id in due)
            if (await RemindAsync(id, now, ct)) reminded++;

        if (expired + completed + reminded > 0)
            logger.LogInformation("Sweep marked {Expired} requests expired and {Completed} completed, and reminded approvers of {Reminded}",
                expired, completed, reminded);
        return new SweepResult(expired, completed, reminded);
    }

    private static IQueryable<AccessRequest> ReminderDue(IQueryable<AccessRequest> q, DateTimeOffset now) =>
        q.Where(AccessRequestLifecycle.HasStatus(AccessRequestStatus.CustomerNotified, now))
            .Where(r => r.ReminderDueAt != null && r.ReminderDueAt <= now && r.ReminderSentAt == null);

    /// <summary>Stamps ReminderSentAt and enqueues the reminder together; of two sweeping instances only one stamps it.</summary>
    private async Task<bool> RemindAsync(Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.InTransactionAsync(async token =>
        {
            var changed = await ReminderDue(db.AccessRequests.Where(r => r.Id == id), now)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.ReminderSentAt, now), token);
            if (changed == 0) return false;
            var r = await db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == id, token);
            await notifications.RequestReminderAsync(db, r, token);
            return true;
        }, ct);
    }

    private async Task<bool> MoveAsync(Guid id, LifecycleEvent @event, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var moved = await db.InTransactionAsync<AccessRequest?>(async token =>
        {
            var r = await db.AccessRequests.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, token);
            if (r is null || !r.Allows(@event, now)) return null; // another instance got there first
            if (@event == LifecycleEvent.Expire) r.Expire(now); else r.Complete(now);
            if (await db.AccessRequests.WriteTransitionAsync(r, @event, now, token) == 0) return null;

            var action = @event == LifecycleEvent.Expire ? AuditActions.RequestExpired : AuditActions.RequestCompleted;
            await audit.AppendAsync(db, new AuditRecord(action, AccessRequestProjection.Target(r), AccessRequest.SystemActor, null, r.TenantId,
                new Dictionary<string, object?>
                {
                    ["pendingUntil"] = @event == LifecycleEvent.Expire ? r.PendingUntil : null,
                    ["accessEndsAt"] = r.AccessEndsAt,
                }), token);
            if (@event == LifecycleEvent.Expire) await notifications.RequestDecidedAsync(db, r, AccessRequestStatus.Expired, token);
            return r;
        }, ct);

        if (moved is null) return false;
        events.Publish(new AccessRequestChanged(moved.Id, moved.TenantId, moved.TicketId, moved.EngineerOid, moved.Status.ToString()));
        return true;
    }
}
