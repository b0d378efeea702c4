using FluentValidation;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Telemetry;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Lockbox;

/// <summary>
/// Changes to Customer Lockbox requests: filing and the decisions on them. Every method authorizes the caller
/// itself and changes state with a conditional update in one transaction with its audit entry and outbox message.
/// </summary>
public sealed class LockboxCommands(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    IOptionsMonitor<LockboxOptions> options,
    AuditWriter audit,
    NotificationComposer notifications,
    IPortalEvents events,
    IValidator<FileAccessRequestCommand> fileValidator,
    IValidator<ApproveCommand> approveValidator,
    IValidator<DenyCommand> denyValidator,
    IValidator<RevokeCommand> revokeValidator,
    GrantIssuer grants,
    ISigningKeyStore signingKeys,
    UserActionRateLimiter rateLimiter,
    IOptionsMonitor<ServiceRateLimitOptions> rateLimits,
    ILogger<LockboxCommands> logger,
    PortalMetrics metrics)
{
    public async Task<AccessRequestDto> FileAsync(FileAccessRequestCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        await rateLimiter.AcquireAsync(nameof(FileAsync), user.Oid, rateLimits.CurrentValue.RequestFiling, "filed {0} access requests", ct);
        await fileValidator.ValidateOrThrowAsync(cmd, ct);
        var rules = options.CurrentValue;
        var signingKey = await signingKeys.GetActiveAsync(ct);

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var ticket = await db.SupportTickets.AsNoTracking()
                .SingleOrDefaultAsync(t => t.Number == cmd.TicketNumber && t.AssignedEngineerOid == user.Oid, token)
                ?? throw new InputValidationException(nameof(cmd.TicketNumber),
                    $"No ticket {cmd.TicketNumber} is assigned to you. Check the number in My tickets.");
            if (ticket.Status is TicketStatus.Resolved or TicketStatus.Closed)
                throw new InputValidationException(nameof(cmd.TicketNumber),
                    $"Ticket {ticket.Number} is {ticket.Status.ToString().ToLowerInvariant()}; access can only be requested for an open ticket.");
            var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == ticket.TenantId, token);

            var r = new AccessRequest
            {
                Id = Guid.NewGuid(),
                TenantId = ticket.TenantId,
                TicketId = ticket.Id,
                TicketNumber = ticket.Number,
                EngineerOid = user.Oid,
                EngineerName = user.Name,
                EngineerEmail = user.Email,
                SupportOrganization = user.SupportOrganization!,
                ScopeKind = cmd.ScopeKind,
                SubscriptionId = cmd.ScopeKind == AccessScopeKind.Subscription ? Guid.Parse(cmd.SubscriptionId!) : null,
                ResourceIds = string.Join('\n', cmd.ResourceIds.Select(id => id.Trim())),
                Justification = cmd.Justification.Trim(),
            };
            r.Open(tenant.LockboxEnabled, now, rules.PendingDeadline, cmd.Duration ?? rules.DefaultAccessDuration);
            db.AccessRequests.Add(r);

            await audit.AppendAsync(db, new AuditRecord(AuditActions.RequestFiled, AccessRequestProjection.Target(r), user.Name, user.Oid, r.TenantId,
                new Dictionary<string, object?>
                {
                    ["ticket"] = r.TicketNumber,
                    ["organization"] = r.SupportOrganization,
                    ["scope"] = r.ScopeKind.ToString(),
                    ["subscriptionId"] = r.SubscriptionId?.ToString(),
                    ["resourceIds"] = r.ResourceIdList,
                    ["requestedMinutes"] = r.RequestedMinutes,
                    ["pendingUntil"] = r.PendingUntil,
                }), token);

            if (tenant.LockboxEnabled)
            {
                await notifications.RequestFiledAsync(db, r, token);
            }
            else
            {
                await audit.AppendAsync(db, new AuditRecord(AuditActions.RequestAutoApproved, AccessRequestProjection.Target(r), AccessRequest.SystemActor, null, r.TenantId,
                    new Dictionary<string, object?> { ["reason"] = AccessRequest.LockboxNotEnabledReason, ["accessEndsAt"] = r.AccessEndsAt }), token);
                await grants.IssueAsync(db, r, signingKey, token);
                await notifications.RequestDecidedAsync(db, r, AccessRequestStatus.Approved, token);
            }
            return r;
        }, ct);

        logger.LogInformation("Access request {RequestId} filed for ticket {Ticket} ({Status})", request.Id, request.TicketNumber, request.Status);
        metrics.RequestFiled(request);
        Publish(request);
        return await ToDtoAsync(request, user, ct);
    }

    public async Task<AccessRequestDto> ApproveAsync(Guid id, ApproveCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        await approveValidator.ValidateOrThrowAsync(cmd, ct);
        var signingKey = await signingKeys.GetActiveAsync(ct);
        var comment = string.IsNullOrWhiteSpace(cmd.Comment) ? null : cmd.Comment.Trim();

        return await DecideAsync(id, user, RequestAction.Approve, (r, now) =>
        {
            var duration = cmd.Duration ?? r.RequestedDuration;
            if (duration > r.RequestedDuration)
                throw new InputValidationException(nameof(cmd.Duration),
                    $"You can shorten the access but not extend it: the engineer asked for {FileAccessRequestValidator.Hours(r.RequestedDuration)}.");
            r.Approve(user.Oid, user.Name, now, duration, comment);
            return (AuditActions.RequestApproved, new Dictionary<string, object?>
            {
                ["grantedMinutes"] = (int)duration.TotalMinutes,
                ["requestedMinutes"] = r.RequestedMinutes,
                ["accessEndsAt"] = r.AccessEndsAt,
                ["comment"] = comment,
            });
        }, ct, signingKey);
    }

    public async Task<AccessRequestDto> DenyAsync(Guid id, DenyCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        await denyValidator.ValidateOrThrowAsync(cmd, ct);
        var reason = cmd.Reason.Trim();
        return await DecideAsync(id, user, RequestAction.Deny, (r, now) =>
        {
            r.Deny(user.Oid, user.Name, now, reason);
            return (AuditActions.RequestDenied, new Dictionary<string, object?> { ["reason"] = reason });
        }, ct);
    }

    public async Task<AccessRequestDto> RevokeAsync(Guid id, RevokeCommand cmd, CancellationToken ct = default)
    {
        var user = currentUser.RequireApprover();
        await revokeValidator.ValidateOrThrowAsync(cmd, ct);
        var reason = cmd.Reason.Trim();
        return await DecideAsync(id, user, RequestAction.Revoke, (r, now) =>
        {
            r.Revoke(user.Name, now, reason);
            return (AuditActions.RequestRevoked, new Dictionary<string, object?> { ["reason"] = reason });
        }, ct);
    }

    public async Task<AccessRequestDto> WithdrawAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        return await DecideAsync(id, user, RequestAction.Withdraw, (r, now) =>
        {
            r.Withdraw(user.Name, now);
            return (AuditActions.RequestWithdrawn, new Dictionary<string, object?>());
        }, ct);
    }

    /// <summary>The engineer is done before the window closes: access ends now, and the account of the work becomes due.</summary>
    public async Task<AccessRequestDto> EndAccessAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        return await DecideAsync(id, user, RequestAction.End, (r, now) =>
        {
            var endsAt = r.AccessEndsAt;
            r.EndAccess(user.Name, now);
            return (AuditActions.RequestEnded, new Dictionary<string, object?> { ["windowEndedAt"] = endsAt });
        }, ct);
    }

    /// <summary>Applies a domain transition to the request and says what to audit.</summary>
    private delegate (string Action, Dictionary<string, object?> Details) Transition(AccessRequest request, DateTimeOffset now);

    /// <summary>
    /// Loads the request as the caller may see it and explains up front why the action is not theirs to take, then
    /// writes the domain's transition with a conditional update in the write transaction; a concurrent winner between
    /// the two turns into a conflict that names it. Reading before the transaction keeps the time a writer holds the
    /// database short.
    /// </summary>
    private async Task<AccessRequestDto> DecideAsync(Guid id, PortalUser user, RequestAction action, Transition apply, CancellationToken ct,
        ActiveSigningKey? signingKey = null)
    {
        var started = time.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw Visibility.RequestNotFound();
        // Refused here, audited, before any write: e.g. the engineer's own request, another tenant's approver.
        if (RequestActions.WhyNotAllowed(loaded, user, action) is { } refusal) throw currentUser.Refuse(refusal, member: $"{action}Async");
        RequestActions.EnsureStateAllows(loaded, action, time.GetUtcNow());
        var @event = RequestActions.EventOf(action);

        var r = await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var r = loaded.Copy(); // a retried transaction starts again from what was read
            RequestActions.EnsureStateAllows(r, action, now);
            var (auditAction, details) = apply(r, now);
            if (await Visibility.Requests(db, user).WriteTransitionAsync(r, @event, now, token) == 0)
            {
                var current = await db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == id, token);
                RequestActions.EnsureStateAllows(current, action, time.GetUtcNow());
                throw new ConflictException("The request changed while you were deciding; reload it and try again.");
            }

            await audit.AppendAsync(db, new AuditRecord(auditAction, AccessRequestProjection.Target(r), user.Name, user.Oid, r.TenantId, details), token);
            if (signingKey is not null && r.Status == AccessRequestStatus.Approved) await grants.IssueAsync(db, r, signingKey, token);
            // The engineer's own steps tell nobody: withdrawing happens before the customer decided, ending after.
            if (action is not (RequestAction.Withdraw or RequestAction.End)) await notifications.RequestDecidedAsync(db, r, r.Status, token);
            return r;
        }, ct);

        logger.LogInformation("Access request {RequestId} is now {Status}", r.Id, r.Status);
        metrics.Decided(r, time.GetElapsedTime(started));
        Publish(r);
        return await ToDtoAsync(r, user, ct);
    }

    private Task<AccessRequestDto> ToDtoAsync(AccessRequest r, PortalUser user, CancellationToken ct) =>
        AccessRequestProjection.ToDtoAsync(dbFactory, r, user, time.GetUtcNow(), ct);

    private void Publish(AccessRequest r) =>
        events.Publish(new AccessRequestChanged(r.Id, r.TenantId, r.TicketId, r.EngineerOid, r.Status.ToString()));
}
