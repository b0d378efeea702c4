using FluentValidation;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Transparency;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Transparency;

/// <summary>The one list of who may do what with an account of work: services refuse what it leaves out, DTOs carry what it allows.</summary>
public static class AttestationRules
{
    /// <summary>Why the person may not give the account of this request; null when they may (whatever its state).</summary>
    public static string? WhyNotSubmit(PortalUser user, AccessRequest r) =>
        user.IsEngineer && r.EngineerOid == user.Oid ? null : "Only the engineer who held the access can give the account of the work done.";

    /// <summary>Why the person may not acknowledge or flag this request's account; null when they may.</summary>
    public static string? WhyNotReview(PortalUser user, AccessRequest r) =>
        user.IsApprover && r.TenantId == user.TenantId ? null
            : "Only a Global Administrator or a Lockbox approver of this tenant can acknowledge or flag an account of work.";
}

/// <summary>
/// The engineer's account of what was done once access ended, and the customer's review of it. Every method
/// authorizes the caller itself; each step is a conditional update on the status in one transaction with its audit
/// entry, so it happens once however often or concurrently it is asked for.
/// </summary>
public sealed class AttestationService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    IOptionsMonitor<AttestationOptions> options,
    AuditWriter audit,
    IPortalEvents events,
    IValidator<SubmitAttestationCommand> submitValidator,
    IValidator<FlagAttestationCommand> flagValidator,
    ILogger<AttestationService> logger)
{
    /// <summary>
    /// The request's account of work as the caller sees it; null when none is asked for (access has not ended, or ended
    /// before accounts were asked for). Before the worker has asked, it reads as due already: reads never wait for it.
    /// </summary>
    public async Task<AttestationDto?> GetAsync(Guid requestId, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == requestId, ct) ?? throw Visibility.RequestNotFound();
        var row = await db.Attestations.AsNoTracking().SingleOrDefaultAsync(a => a.RequestId == requestId, ct);
        var now = time.GetUtcNow();
        var a = row ?? Unasked(r, now);
        return a is null ? null : ToDto(a, r, user, now);
    }

    public async Task<AttestationDto> SubmitAsync(Guid requestId, SubmitAttestationCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        var (r, _) = await LoadAsync(requestId, user, ct);
        if (AttestationRules.WhyNotSubmit(user, r) is { } refusal) throw currentUser.Refuse(refusal);
        await submitValidator.ValidateOrThrowAsync(cmd, ct);
        var account = cmd.Account.Trim();

        return await ChangeAsync(r, user, AttestationStatus.Due, AuditActions.AttestationSubmitted,
            a => (a.Status, a.Account, a.SubmittedAt, a.NextReminderAt) = (AttestationStatus.Submitted, account, time.GetUtcNow(), null),
            s => s.SetProperty(a => a.Status, AttestationStatus.Submitted).SetProperty(a => a.Account, account)
                .SetProperty(a => a.SubmittedAt, time.GetUtcNow()).SetProperty(a => a.NextReminderAt, (DateTimeOffset?)null),
            new Dictionary<string, object?> { ["account"] = account }, ct);
    }

    public async Task<AttestationDto> AcknowledgeAsync(Guid requestId, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        var (r, _) = await LoadAsync(requestId, user, ct);
        if (AttestationRules.WhyNotReview(user, r) is { } refusal) throw currentUser.Refuse(refusal);
        return await ReviewAsync(r, user, AttestationStatus.Acknowledged, AuditActions.AttestationAcknowledged, null, ct);
    }

    public async Task<AttestationDto> FlagAsync(Guid requestId, FlagAttestationCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        var (r, _) = await LoadAsync(requestId, user, ct);
        if (AttestationRules.WhyNotReview(user, r) is { } refusal) throw currentUser.Refuse(refusal);
        await flagValidator.ValidateOrThrowAsync(cmd, ct);
        return await ReviewAsync(r, user, AttestationStatus.Flagged, AuditActions.AttestationFlagged, cmd.Note.Trim(), ct);
    }

    private Task<AttestationDto> ReviewAsync(AccessRequest r, PortalUser user, AttestationStatus to, string action, string? note, CancellationToken ct) =>
        ChangeAsync(r, user, AttestationStatus.Submitted, action,
            a => (a.Status, a.ReviewedByOid, a.ReviewedByName, a.ReviewedAt, a.ReviewNote) = (to, user.Oid, user.Name, time.GetUtcNow(), note),
            s => s.SetProperty(a => a.Status, to).SetProperty(a => a.ReviewedByOid, user.Oid).SetProperty(a => a.ReviewedByName, user.Name)
                .SetProperty(a => a.ReviewedAt, time.GetUtcNow()).SetProperty(a => a.ReviewNote, note),
            new Dictionary<string, object?> { ["note"] = note }, ct);

    private async Task<(AccessRequest, Attestation?)> LoadAsync(Guid requestId, PortalUser user, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var r = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == requestId, ct) ?? throw Visibility.RequestNotFound();
        return (r, await db.Attestations.AsNoTracking().SingleOrDefaultAsync(a => a.RequestId == requestId, ct));
    }

    /// <summary>
    /// Moves the account from <paramref name="from"/> with a conditional update; a row the worker has not written yet is
    /// written here (as the worker would, without its email). A concurrent step that got there first is a conflict naming it.
    /// </summary>
    private async Task<AttestationDto> ChangeAsync(AccessRequest r, PortalUser user, AttestationStatus from, string action,
        Action<Attestation> applyToNew,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Attestation>> update,
        Dictionary<string, object?> details, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            try
            {
                var changed = await db.InTransactionAsync(async token =>
                {
                    var now = time.GetUtcNow();
                    var exists = await db.Attestations.AnyAsync(a => a.RequestId == r.Id, token);
                    if (!exists)
                    {
                        if (Unasked(r, now) is not { } fresh) throw Explain(r, null, now);
                        if (from != AttestationStatus.Due) throw Explain(r, fresh, now);
                        applyToNew(fresh);
                        db.Attestations.Add(fresh);
                    }
                    else if (await db.Attestations.Where(a => a.RequestId == r.Id && a.Status == from).ExecuteUpdateAsync(update, token) == 0)
                    {
                        throw Explain(r, await db.Attestations.AsNoTracking().SingleAsync(a => a.RequestId == r.Id, token), now);
                    }
                    await audit.AppendAsync(db, new AuditRecord(action, $"access-request/{r.Id}", user.Name, user.Oid, r.TenantId, details), token);
                    return true;
                }, ct);
                break;
            }
            catch (DbUpdateException ex) when (attempt == 0 && db.IsUniqueConstraintViolation(ex))
            {
                // The worker wrote the row between our look and our insert: go again, as an update.
            }
        }

        logger.LogInformation("Account of work for request {RequestId}: {Action}", r.Id, action);
        events.Publish(new AccessRequestChanged(r.Id, r.TenantId, r.TicketId, r.EngineerOid, r.Status.ToString()));
        return (await GetAsync(r.Id, ct))!;
    }

    private ConflictException Explain(AccessRequest r, Attestation? a, DateTimeOffset now) => a switch
    {
        null when !r.HasAccessEnded(now) => new ConflictException("Access has not ended yet; the account of work is asked for once it has."),
        null => new ConflictException("No account of work is asked for on this request: its access ended before accounts were asked for."),
        { Status: AttestationStatus.Due } => new ConflictException("The engineer has not given the account of work yet; there is nothing to review."),
        { Status: AttestationStatus.Submitted } => new ConflictException($"The account of work was already given at {a.SubmittedAt:yyyy-MM-dd HH:mm} UTC."),
        _ => new ConflictException($"The account of work was already {(a.Status == AttestationStatus.Flagged ? "flagged for follow-up" : "acknowledged")} by {a.ReviewedByName} at {a.ReviewedAt:yyyy-MM-dd HH:mm} UTC."),
    };

    /// <summary>The account a request owes before the worker has asked for it; null when it owes none.</summary>
    private Attestation? Unasked(AccessRequest r, DateTimeOffset now) => Owed(r, now, options.CurrentValue);

    internal static Attestation? Owed(AccessRequest r, DateTimeOffset now, AttestationOptions o)
    {
        if (!r.HasAccessEnded(now) || r.AccessEndsAt is not { } ended || !Attestation.Applies(ended, now, o.DuePeriod)) return null;
        return new Attestation
        {
            RequestId = r.Id,
            TenantId = r.TenantId,
            EngineerOid = r.EngineerOid,
            EngineerEmail = r.EngineerEmail,
            AccessEndedAt = ended,
            DueAt = ended + o.DuePeriod,
            Status = AttestationStatus.Due,
        };
    }

    private static AttestationDto ToDto(Attestation a, AccessRequest r, PortalUser user, DateTimeOffset now) => new(
        a.RequestId, r.EngineerName, a.Status, a.AccessEndedAt, a.DueAt, a.IsOverdueAt(now), a.RemindersSent, a.Account, a.SubmittedAt,
        a.ReviewedByName, a.ReviewedAt, a.ReviewNote,
        a.Status == AttestationStatus.Due && AttestationRules.WhyNotSubmit(user, r) is null,
        a.Status == AttestationStatus.Submitted && AttestationRules.WhyNotReview(user, r) is null);
}
