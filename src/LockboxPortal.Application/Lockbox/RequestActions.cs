using LockboxPortal.Application.Common;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;

namespace LockboxPortal.Application.Lockbox;

/// <summary>What a person can do to a request: the lifecycle events a user may cause.</summary>
public enum RequestAction
{
    Approve,
    Deny,
    Revoke,
    Withdraw,
    End,
}

/// <summary>
/// The one list of who may do what to a request, now: the services refuse what it leaves out, and request DTOs
/// carry what it allows, so pages show exactly those actions and re-implement nothing.
/// </summary>
public static class RequestActions
{
    public static LifecycleEvent EventOf(RequestAction action) => action switch
    {
        RequestAction.Approve => LifecycleEvent.Approve,
        RequestAction.Deny => LifecycleEvent.Deny,
        RequestAction.Revoke => LifecycleEvent.Revoke,
        RequestAction.Withdraw => LifecycleEvent.Withdraw,
        RequestAction.End => LifecycleEvent.End,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>
    /// Why the person may not take this kind of action on this request at all, whatever its state; null when they may.
    /// Deciders are the tenant's approvers and the approvers of the request's subscription (<paramref name="scope"/>);
    /// never the requester, nobody signed in from the engineer's own support organization, and nobody twice.
    /// </summary>
    public static string? WhyNotAllowed(AccessRequest r, PortalUser user, RequestAction action, ApproverScope? scope = null)
    {
        scope ??= ApproverScope.None;
        var decides = user.IsCustomer && r.TenantId == user.TenantId && (user.IsApprover || scope.ApprovesSubscription(r.SubscriptionId));
        return action switch
        {
            RequestAction.Approve or RequestAction.Deny when !decides =>
                "Only a Global Administrator or a Lockbox approver of this tenant, or an approver of the request's subscription, can decide access requests.",
            RequestAction.Approve or RequestAction.Deny when r.EngineerOid == user.Oid =>
                "You filed this request, so you cannot decide it.",
            RequestAction.Approve or RequestAction.Deny when r.EngineerTenantId == user.TenantId =>
                $"You belong to {r.SupportOrganization}, the requesting engineer's support organization, so you cannot decide this request.",
            RequestAction.Approve when scope.ApprovedRequests.Contains(r.Id) =>
                $"You already approved this request ({r.ApprovalProgress}); another approver has to approve it too.",
            RequestAction.Revoke when !decides =>
                "Only a Global Administrator or a Lockbox approver of this tenant, or an approver of the request's subscription, can revoke access.",
            RequestAction.Withdraw when !(user.IsEngineer && r.EngineerOid == user.Oid) =>
                "Only the engineer who filed a request can withdraw it.",
            RequestAction.End when !(user.IsEngineer && r.EngineerOid == user.Oid) =>
                "Only the engineer who holds the access can end it early; the customer's approvers revoke it.",
            _ => null,
        };
    }

    public static IReadOnlySet<RequestAction> For(AccessRequest r, PortalUser user, DateTimeOffset now, ApproverScope? scope = null) =>
        Enum.GetValues<RequestAction>().Where(a => WhyNotAllowed(r, user, a, scope) is null && r.Allows(EventOf(a), now)).ToHashSet();

    /// <summary>
    /// Returns when the request's state allows <paramref name="action"/> now; otherwise throws a conflict that says
    /// what happened to it and who did it. (Whether the person may act at all is <see cref="WhyNotAllowed"/>.)
    /// </summary>
    public static void EnsureStateAllows(AccessRequest r, RequestAction action, DateTimeOffset now)
    {
        var @event = EventOf(action);
        if (r.Allows(@event, now)) return;

        var effective = r.StatusAt(now);
        var verb = action.ToString().ToLowerInvariant();
        throw effective switch
        {
            AccessRequestStatus.Approved or AccessRequestStatus.Denied when r.DecidedByName is not null =>
                new ConflictException($"This request was already {effective.Display().ToLowerInvariant()} by {r.DecidedByName} at {r.DecidedAt:yyyy-MM-dd HH:mm} UTC; you cannot {verb} it."),
            AccessRequestStatus.Expired =>
                new ConflictException($"This request expired at {r.PendingUntil:yyyy-MM-dd HH:mm} UTC without a decision; you cannot {verb} it. The engineer can file a new request."),
            AccessRequestStatus.Completed =>
                new ConflictException($"This access ended at {r.AccessEndsAt:yyyy-MM-dd HH:mm} UTC; there is nothing to {verb}."),
            AccessRequestStatus.Revoked or AccessRequestStatus.Withdrawn =>
                new ConflictException($"This request was {effective.Display().ToLowerInvariant()} by {r.ClosedByName} at {r.ClosedAt:yyyy-MM-dd HH:mm} UTC; you cannot {verb} it."),
            _ => new ConflictException($"This request is {effective.Display()}; you cannot {verb} it."),
        };
    }
}
