using System.Runtime.CompilerServices;
using FluentValidation;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Telemetry;
using LockboxPortal.Domain;
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
            var duration = cmd.Duration ?? rules.DefaultAccessDuration;
            var subscription = cmd.ScopeKind == AccessScopeKind.Subscription ? Guid.Parse(cmd.SubscriptionId!) : (Guid?)null;
            var policy = (await ApprovalPolicies.LoadAsync(db, tenant, token))
                .Evaluate(ApprovalPolicies.Facts(ticket, user.SupportOrganization!, cmd.ScopeKind, subscription, duration, now, cmd.Reason));

            var r = new AccessRequest
            {
                Id = RowIds.New(),
                TenantId = ticket.TenantId,
                TicketId = ticket.Id,
                TicketNumber = ticket.Number,
                EngineerOid = user.Oid,
                EngineerName = user.Name,
                EngineerEmail = user.Email,
                SupportOrganization = user.SupportOrganization!,
                EngineerTenantId = user.TenantId,
                ScopeKind = cmd.ScopeKind,
                SubscriptionId = subscription,
                ResourceIds = string.Join('\n', cmd.ResourceIds.Select(id => id.Trim())),
                Justification = cmd.Justification.Trim(),
                Reason = cmd.Reason,
            };
            r.Open(tenant.LockboxEnabled, now, rules.PendingDeadline, duration, policy, tenant.DisplayName);
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
                    ["reason"] = r.Reason.ToString(),
                    ["requiredApprovals"] = r.RequiredApprovals,
                    ["policy"] = r.PolicySummary,
                }), token);

            if (r.Status == AccessRequestStatus.CustomerNotified)
            {
                await notifications.RequestFiledAsync(db, r, token);
            }
            else
            {
                // Approved by the portal: because Lockbox is off, or by a rule, named with its version on the entry and the request.
                await audit.AppendAsync(db, new AuditRecord(AuditActions.RequestAutoApproved, AccessRequestProjection.Target(r), AccessRequest.SystemActor, null, r.TenantId,
                    new Dictionary<string, object?>
                    {
                        ["reason"] = r.DecisionReason,
                        ["ruleId"] = r.PolicyRuleId?.ToString(),
                        ["ruleVersion"] = r.PolicyRuleVersion,
                        ["accessEndsAt"] = r.AccessEndsAt,
                    }), token);
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

    /// <summary>
    /// Approves, optionally granting less time than was asked for. A request that needs several approvers records
    /// this approval and keeps waiting until the quorum is reached; the approval that reaches it grants access, for
    /// the shortest time any of its approvers gave.
    /// </summary>
    public async Task<AccessRequestDto> ApproveAsync(Guid id, ApproveCommand cmd, CancellationToken ct = default)
    {
        var user = await RequireDeciderAsync(ct);
        await approveValidator.ValidateOrThrowAsync(cmd, ct);
        var signingKey = await signingKeys.GetActiveAsync(ct);
        var comment = string.IsNullOrWhiteSpace(cmd.Comment) ? null : cmd.Comment.Trim();

        return await DecideAsync(id, user, RequestAction.Approve, async (db, r, now, token) =>
        {
            var duration = cmd.Duration ?? r.RequestedDuration;
            if (duration > r.RequestedDuration)
                throw new InputValidationException(nameof(cmd.Duration),
                    $"You can shorten the access but not extend it: the engineer asked for {FileAccessRequestValidator.Hours(r.RequestedDuration)}.");
            var earlier = r.ApprovalCount == 0 ? [] : await db.RequestApprovals.AsNoTracking().Where(a => a.RequestId == r.Id).ToListAsync(token);
            if (earlier.Any(a => a.ApproverOid == user.Oid))
                throw new ConflictException($"You already approved this request ({r.ApprovalProgress}); another approver has to approve it too.");
            var granted = earlier.Select(a => TimeSpan.FromMinutes(a.GrantedMinutes)).Append(duration).Min();
            var reached = r.RecordApproval(user.Oid, user.Name, now, granted, comment);
            db.RequestApprovals.Add(new RequestApproval
            {
                Id = RowIds.New(), RequestId = r.Id, TenantId = r.TenantId, ApproverOid = user.Oid, ApproverName = user.Name,
                ApprovedAt = now, GrantedMinutes = (int)duration.TotalMinutes, Comment = comment,
            });
            return (reached ? AuditActions.RequestApproved : AuditActions.RequestApprovalRecorded, new Dictionary<string, object?>
            {
                ["grantedMinutes"] = (int)(reached ? granted : duration).TotalMinutes,
                ["requestedMinutes"] = r.RequestedMinutes,
                ["accessEndsAt"] = r.AccessEndsAt,
                ["comment"] = comment,
                ["approvals"] = r.ApprovalCount,
                ["requiredApprovals"] = r.RequiredApprovals,
            });
        }, ct, signingKey);
    }

    public async Task<AccessRequestDto> DenyAsync(Guid id, DenyCommand cmd, CancellationToken ct = default)
    {
        var user = await RequireDeciderAsync(ct);
        await denyValidator.ValidateOrThrowAsync(cmd, ct);
        var reason = cmd.Reason.Trim();
        return await DecideAsync(id, user, RequestAction.Deny, (_, r, now, _) =>
        {
            // One denial ends a request, however many approvals it already had.
            r.Deny(user.Oid, user.Name, now, reason);
            return Task.FromResult((AuditActions.RequestDenied, new Dictionary<string, object?> { ["reason"] = reason }));
        }, ct);
    }

    public async Task<AccessRequestDto> RevokeAsync(Guid id, RevokeCommand cmd, CancellationToken ct = default)
    {
        var user = await RequireDeciderAsync(ct);
        await revokeValidator.ValidateOrThrowAsync(cmd, ct);
        var reason = cmd.Reason.Trim();
        return await DecideAsync(id, user, RequestAction.Revoke, (_, r, now, _) =>
        {
            r.Revoke(user.Name, now, reason);
            return Task.FromResult((AuditActions.RequestRevoked, new Dictionary<string, object?> { ["reason"] = reason }));
        }, ct);
    }

    public async Task<AccessRequestDto> WithdrawAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        return await DecideAsync(id, user, RequestAction.Withdraw, (_, r, now, _) =>
        {
            r.Withdraw(user.Name, now);
            return Task.FromResult((AuditActions.RequestWithdrawn, new Dictionary<string, object?>()));
        }, ct);
    }

    /// <summary>The engineer is done before the window closes: access ends now, and the account of the work becomes due.</summary>
    public async Task<AccessRequestDto> EndAccessAsync(Guid id, CancellationToken ct = default)
    {
        var user = currentUser.RequireEngineer();
        return await DecideAsync(id, user, RequestAction.End, (_, r, now, _) =>
        {
            var endsAt = r.AccessEndsAt;
            r.EndAccess(user.Name, now);
            return Task.FromResult((AuditActions.RequestEnded, new Dictionary<string, object?> { ["windowEndedAt"] = endsAt }));
        }, ct);
    }

    /// <summary>
    /// The caller decides some requests: a tenant approver, or an approver a Global Administrator assigned to one of
    /// the tenant's subscriptions. Anyone else is refused (and audited) before any request is looked up; which
    /// requests an approver may decide is <see cref="RequestActions"/>'s answer.
    /// </summary>
    private async Task<PortalUser> RequireDeciderAsync(CancellationToken ct, [CallerFilePath] string file = "", [CallerMemberName] string member = "")
    {
        var user = currentUser.RequireCustomer(file, member);
        if (user.IsApprover) return user;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SubscriptionApprovers.AsNoTracking().AnyAsync(a => a.ApproverOid == user.Oid && a.TenantId == user.TenantId, ct)
            ? user
            : currentUser.RequireApprover(file, member);
    }

    /// <summary>Applies a domain transition to the request (reading what it needs in the write transaction) and says what to audit.</summary>
    private delegate Task<(string Action, Dictionary<string, object?> Details)> Transition(ILockboxDbContext db, AccessRequest request, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Loads the request as the caller may see it and explains up front why the action is not theirs to take, then
    /// writes the domain's transition with a conditional update in the write transaction; a concurrent winner between
    /// the two turns into a conflict that names it. Reading before the transaction keeps the time a writer holds the
    /// database short. An approval of a request that needs several is conditional on the approval count it read as
    /// well, so two approvers at the same moment never both count as the same one and the grant is issued once.
    /// </summary>
    private async Task<AccessRequestDto> DecideAsync(Guid id, PortalUser user, RequestAction action, Transition apply, CancellationToken ct,
        ActiveSigningKey? signingKey = null)
    {
        var started = time.GetTimestamp();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var loaded = await Visibility.Requests(db, user).AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct) ?? throw Visibility.RequestNotFound();
        var scope = await ApproverScope.LoadAsync(db, user, [loaded], ct);
        // Refused here, audited, before any write: e.g. the engineer's own request, another tenant's approver.
        if (RequestActions.WhyNotAllowed(loaded, user, action, scope) is { } refusal) throw currentUser.Refuse(refusal, member: $"{action}Async");
        RequestActions.EnsureStateAllows(loaded, action, time.GetUtcNow());
        var @event = RequestActions.EventOf(action);
        var counted = action == RequestAction.Approve;
        // The engineer's own steps tell nobody (withdrawing happens before the customer decided, ending after); for the
        // rest, who opened the ticket is read here, not while holding the database's one writer.
        var tells = action is not (RequestAction.Withdraw or RequestAction.End);
        var opener = tells ? await notifications.TicketOpenerAsync(db, loaded, ct) : null;

        AccessRequest r;
        try
        {
            r = await db.InTransactionAsync(async token =>
            {
                var now = time.GetUtcNow();
                // A multi-party approval starts from the row as it is now, so it builds on the approval another approver
                // just wrote instead of failing against it; anything else starts again from what was read.
                var r = counted && loaded.RequiredApprovals > 1
                    ? await db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == id, token)
                    : loaded.Copy();
                var approvalsBefore = r.ApprovalCount;
                RequestActions.EnsureStateAllows(r, action, now);
                var (auditAction, details) = await apply(db, r, now, token);
                if (await Visibility.Requests(db, user).WriteTransitionAsync(r, @event, now, token, counted ? approvalsBefore : null) == 0)
                {
                    var current = await db.AccessRequests.AsNoTracking().SingleAsync(x => x.Id == id, token);
                    RequestActions.EnsureStateAllows(current, action, time.GetUtcNow());
                    throw new ConflictException(current.ApprovalCount != approvalsBefore
                        ? $"Another approver approved this request at the same moment ({current.ApprovalProgress}); reload it and approve again if it still needs you."
                        : "The request changed while you were deciding; reload it and try again.");
                }

                await audit.AppendAsync(db, new AuditRecord(auditAction, AccessRequestProjection.Target(r), user.Name, user.Oid, r.TenantId, details), token);
                if (signingKey is not null && r.Status == AccessRequestStatus.Approved) await grants.IssueAsync(db, r, signingKey, token);
                // An approval short of the quorum decides nothing yet: nobody is told until the request is approved or denied.
                if (tells && r.Status != AccessRequestStatus.CustomerNotified) notifications.RequestDecided(db, r, r.Status, opener);
                return r;
            }, ct);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex) && counted)
        {
            // The unique approver index is the last word when the same person approves twice at once.
            throw new ConflictException("You already approved this request; another approver has to approve it too.");
        }

        logger.LogInformation("Access request {RequestId} is now {Status} ({Approvals} of {Required} approvals)", r.Id, r.Status, r.ApprovalCount, r.RequiredApprovals);
        if (r.Status != AccessRequestStatus.CustomerNotified) metrics.Decided(r, time.GetElapsedTime(started));
        Publish(r);
        return await ToDtoAsync(r, user, ct);
    }

    private Task<AccessRequestDto> ToDtoAsync(AccessRequest r, PortalUser user, CancellationToken ct) =>
        AccessRequestProjection.ToDtoAsync(dbFactory, r, user, time.GetUtcNow(), ct);

    /// <summary>Tells open pages, without waiting for them: the caller's own page shows the returned result at once.</summary>
    private void Publish(AccessRequest r) =>
        events.PublishDetached(new AccessRequestChanged(r.Id, r.TenantId, r.TicketId, r.EngineerOid, r.Status.ToString()), logger);
}
