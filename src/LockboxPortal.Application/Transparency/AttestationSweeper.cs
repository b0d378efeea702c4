using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Transparency;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Transparency;

public sealed record AttestationSweepResult(int Asked, int Reminded);

/// <summary>
/// Asks engineers for their account of the work once access has ended, and reminds them while it is missing: once
/// per <see cref="AttestationOptions.ReminderInterval"/>, at most <see cref="AttestationOptions.MaxReminders"/> times.
/// Everything it has done is in the database (the account's row, its reminder count and next time), and every step
/// is claimed by an insert on the request's key or a conditional update with its email in the same transaction, so a
/// crash, a restart or a second instance neither repeats nor loses an email.
/// </summary>
public sealed class AttestationSweeper(
    ILockboxDbContextFactory dbFactory,
    TimeProvider time,
    IOptionsMonitor<AttestationOptions> options,
    AuditWriter audit,
    NotificationComposer notifications,
    ILogger<AttestationSweeper> logger)
{
    public const int BatchSize = 100;

    public async Task<AttestationSweepResult> SweepAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var o = options.CurrentValue;
        var asked = 0;
        var reminded = 0;

        List<AccessRequest> ended;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var since = now - o.DuePeriod;
            ended = await db.AccessRequests.AsNoTracking()
                .Where(AccessRequestLifecycle.AccessEnded(now))
                .Where(r => r.AccessEndsAt > since && !db.Attestations.Any(a => a.RequestId == r.Id))
                .OrderBy(r => r.AccessEndsAt).Take(BatchSize).ToListAsync(ct);
        }
        foreach (var r in ended)
            if (await AskAsync(r, now, o, ct)) asked++;

        List<(Guid Id, int Sent)> due;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            due = (await ReminderDue(db.Attestations.AsNoTracking(), now, o.MaxReminders)
                .OrderBy(a => a.NextReminderAt).Select(a => new { a.RequestId, a.RemindersSent }).Take(BatchSize).ToListAsync(ct))
                .Select(a => (a.RequestId, a.RemindersSent)).ToList();
        }
        foreach (var (id, sent) in due)
            if (await RemindAsync(id, sent, now, o, ct)) reminded++;

        if (asked + reminded > 0)
            logger.LogInformation("Asked {Asked} engineers for an account of their work and reminded {Reminded}", asked, reminded);
        return new AttestationSweepResult(asked, reminded);
    }

    private static IQueryable<Attestation> ReminderDue(IQueryable<Attestation> q, DateTimeOffset now, int max) =>
        q.Where(a => a.Status == AttestationStatus.Due && a.NextReminderAt != null && a.NextReminderAt <= now && a.RemindersSent < max);

    /// <summary>The row is the claim: of two instances asking at once, the second one's insert fails on the key and it sends nothing.</summary>
    private async Task<bool> AskAsync(AccessRequest r, DateTimeOffset now, AttestationOptions o, CancellationToken ct)
    {
        if (AttestationService.Owed(r, now, o) is not { } a) return false;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        try
        {
            await db.InTransactionAsync(async token =>
            {
                a.AskedAt = now;
                a.NextReminderAt = o.MaxReminders > 0 ? now + o.ReminderInterval : null;
                db.Attestations.Add(a);
                await audit.AppendAsync(db, new AuditRecord(AuditActions.AttestationRequested, $"access-request/{r.Id}", AccessRequest.SystemActor, null, r.TenantId,
                    new Dictionary<string, object?> { ["engineer"] = r.EngineerName, ["dueAt"] = a.DueAt }), token);
                await notifications.AttestationDueAsync(db, r, a, reminder: false, token);
                return true;
            }, ct);
            return true;
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            return false; // another instance asked, or the engineer answered first
        }
    }

    /// <summary>Counts the reminder and moves the next one on with a conditional update; only the instance that moved it emails.</summary>
    private async Task<bool> RemindAsync(Guid id, int sent, DateTimeOffset now, AttestationOptions o, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.InTransactionAsync(async token =>
        {
            // From now, not from when it was due: a portal that was down for days sends one reminder, not a burst.
            DateTimeOffset? next = sent + 1 < o.MaxReminders ? now + o.ReminderInterval : null;
            var changed = await ReminderDue(db.Attestations.Where(a => a.RequestId == id && a.RemindersSent == sent), now, o.MaxReminders)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.RemindersSent, sent + 1).SetProperty(a => a.NextReminderAt, next), token);
            if (changed == 0) return false;
            var a = await db.Attestations.AsNoTracking().SingleAsync(x => x.RequestId == id, token);
            var r = await db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == id, token);
            await notifications.AttestationDueAsync(db, r, a, reminder: true, token);
            return true;
        }, ct);
    }
}
