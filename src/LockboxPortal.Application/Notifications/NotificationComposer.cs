using System.Net;
using System.Text;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Notifications;

/// <summary>
/// Writes notification emails to the outbox inside the caller's transaction. User-written text only
/// ever lands in bodies (HTML-encoded there) and in a subject stripped of control characters.
/// </summary>
public sealed partial class NotificationComposer(IOptionsMonitor<PortalOptions> portal, IOptionsMonitor<EmailOptions> email, TimeProvider time)
{
    /// <summary>Emails the approvers about a new pending request and schedules their reminder before its deadline.</summary>
    public async Task RequestFiledAsync(ILockboxDbContext db, AccessRequest r, CancellationToken ct)
    {
        // A request whose whole pending window is shorter than the reminder lead gets no reminder:
        // the first email already is one.
        var lead = email.CurrentValue.ReminderBeforeDeadline;
        if (lead > TimeSpan.Zero && r.PendingUntil - lead > r.CreatedAt) r.ReminderDueAt = r.PendingUntil - lead;

        var to = await ApproverAddressesAsync(db, r, ct);
        TellOpener(db, r, await TicketOpenerAsync(db, r, ct), alreadyTold: to);
        if (to.Count == 0) return;
        Enqueue(db, OutboxKinds.RequestFiled, r, to,
            $"Customer Lockbox request for ticket {r.TicketNumber}: {r.EngineerName} ({r.SupportOrganization}) asks for access",
            $"{r.EngineerName} of {r.SupportOrganization} asks for access to your environment to work on support ticket {r.TicketNumber}. " +
            $"The request waits for your approval (Customer Notified) until {Format(r.PendingUntil)}; without a decision it expires. Review it and approve or deny:",
            Facts(r), RequestLink(r.Id), "Review the request");
    }

    /// <summary>Reminds the approvers that a request is still waiting; called once, by the sweep that claims the reminder.</summary>
    public async Task RequestReminderAsync(ILockboxDbContext db, AccessRequest r, CancellationToken ct)
    {
        var to = await ApproverAddressesAsync(db, r, ct);
        if (to.Count == 0) return;
        Enqueue(db, OutboxKinds.RequestReminder, r, to,
            $"Reminder: Customer Lockbox request for ticket {r.TicketNumber} expires {Format(r.PendingUntil)}",
            $"{r.EngineerName} of {r.SupportOrganization} is still waiting for a decision on access for support ticket {r.TicketNumber}. " +
            $"The request expires at {Format(r.PendingUntil)} if nobody approves or denies it:",
            Facts(r), RequestLink(r.Id), "Review the request");
    }

    /// <summary>Emails the engineer about the outcome, and the ticket's opener unless they turned it off.</summary>
    public async Task RequestDecidedAsync(ILockboxDbContext db, AccessRequest r, AccessRequestStatus outcome, CancellationToken ct) =>
        RequestDecided(db, r, outcome, await TicketOpenerAsync(db, r, ct));

    /// <summary>
    /// <see cref="RequestDecidedAsync"/> with the ticket's opener already read (<see cref="TicketOpenerAsync"/>): a decision
    /// reads it before its write transaction, so the database's one writer is not held for those reads.
    /// </summary>
    public void RequestDecided(ILockboxDbContext db, AccessRequest r, AccessRequestStatus outcome, TicketOpener? opener)
    {
        TellOpener(db, r, opener, alreadyTold: []);
        if (string.IsNullOrWhiteSpace(r.EngineerEmail)) return;
        var (kind, subject, lead) = outcome switch
        {
            AccessRequestStatus.Approved => (OutboxKinds.RequestApproved,
                $"Approved: access for ticket {r.TicketNumber}",
                $"Your access request for ticket {r.TicketNumber} was approved. Access is granted from {Format(r.AccessStartsAt)} until {Format(r.AccessEndsAt)}."),
            AccessRequestStatus.Denied => (OutboxKinds.RequestDenied,
                $"Denied: access for ticket {r.TicketNumber}",
                $"Your access request for ticket {r.TicketNumber} was denied by {r.DecidedByName}; no further action is taken. Reason given: {r.DecisionReason}"),
            AccessRequestStatus.Expired => (OutboxKinds.RequestExpired,
                $"Expired: access request for ticket {r.TicketNumber}",
                $"Your access request for ticket {r.TicketNumber} expired without a decision at {Format(r.PendingUntil)}."),
            AccessRequestStatus.Revoked => (OutboxKinds.RequestRevoked,
                $"Revoked: access for ticket {r.TicketNumber}",
                $"{r.ClosedByName} revoked your access for ticket {r.TicketNumber} at {Format(r.ClosedAt)}. Access has ended." +
                (string.IsNullOrWhiteSpace(r.ClosedReason) ? "" : $" Reason: {r.ClosedReason}")),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "No engineer email for this outcome."),
        };
        Enqueue(db, kind, r, [r.EngineerEmail], subject, lead, Facts(r), RequestLink(r.Id), "Open the request");
    }

    /// <summary>
    /// Who opened the request's ticket and the address the portal would tell them at: none when the portal knows no valid
    /// address of theirs in the request's tenant or they turned these emails off. The tenant condition matters: a profile
    /// follows its user's latest sign-in, and someone now signing in from another tenant is no longer a user of the
    /// environment the request is about. Null when the ticket has no opener.
    /// </summary>
    public async Task<TicketOpener?> TicketOpenerAsync(ILockboxDbContext db, AccessRequest r, CancellationToken ct)
    {
        var openerOid = await db.SupportTickets.AsNoTracking().Where(t => t.Id == r.TicketId && t.TenantId == r.TenantId)
            .Select(t => (Guid?)t.OpenedByOid).SingleOrDefaultAsync(ct);
        if (openerOid is not { } oid) return null;
        var address = await db.UserProfiles.AsNoTracking()
            .Where(u => u.Oid == oid && u.TenantId == r.TenantId && u.OpenerNotifications && u.Email != "")
            .Select(u => u.Email).SingleOrDefaultAsync(ct);
        return new TicketOpener(oid, address is not null && Common.EmailAddresses.IsValid(address) ? address : null);
    }

    /// <summary>
    /// Tells the customer who opened the ticket what happened to access to their environment: requested, approved
    /// (also automatically), denied, expired or revoked. Nothing when there is no address to tell them at
    /// (<see cref="TicketOpenerAsync"/>), when they are among <paramref name="alreadyTold"/> (an approver who opened the
    /// ticket has the approvers' email about the request already), or when they made the decision themselves.
    /// </summary>
    private void TellOpener(ILockboxDbContext db, AccessRequest r, TicketOpener? opener, IReadOnlyCollection<string> alreadyTold)
    {
        if (opener?.Address is not { } address
            || (r.Status is AccessRequestStatus.Approved or AccessRequestStatus.Denied && opener.Oid == r.DecidedByOid)
            || alreadyTold.Contains(address, StringComparer.OrdinalIgnoreCase)) return;

        var (subject, lead) = r.Status switch
        {
            AccessRequestStatus.CustomerNotified => (
                $"Access to your environment requested for ticket {r.TicketNumber}",
                $"{r.EngineerName} of {r.SupportOrganization} asks for access to your environment to work on the ticket you opened, {r.TicketNumber}. " +
                $"Your organization's approvers decide by {Format(r.PendingUntil)}; without a decision the request expires."),
            AccessRequestStatus.Approved when r.ApprovedAutomatically => (
                $"Access approved automatically for ticket {r.TicketNumber}",
                $"{r.EngineerName} of {r.SupportOrganization} has access to your environment for the ticket you opened, {r.TicketNumber}, " +
                $"until {Format(r.AccessEndsAt)}. It was approved automatically: Customer Lockbox is off for your organization."),
            AccessRequestStatus.Approved => (
                $"Access approved for ticket {r.TicketNumber}",
                $"{r.DecidedByName} approved access to your environment for {r.EngineerName} of {r.SupportOrganization}, " +
                $"for the ticket you opened, {r.TicketNumber}, from {Format(r.AccessStartsAt)} until {Format(r.AccessEndsAt)}."),
            AccessRequestStatus.Denied => (
                $"Access denied for ticket {r.TicketNumber}",
                $"{r.DecidedByName} denied {r.EngineerName} of {r.SupportOrganization} access to your environment for the ticket you opened, {r.TicketNumber}."),
            AccessRequestStatus.Expired => (
                $"Access request expired for ticket {r.TicketNumber}",
                $"Nobody decided the request of {r.EngineerName} of {r.SupportOrganization} for access to your environment for the ticket you opened, " +
                $"{r.TicketNumber}; it expired at {Format(r.PendingUntil)} and gives no access."),
            AccessRequestStatus.Revoked => (
                $"Access revoked for ticket {r.TicketNumber}",
                $"{r.ClosedByName} revoked the access of {r.EngineerName} of {r.SupportOrganization} to your environment for the ticket you opened, " +
                $"{r.TicketNumber}, at {Format(r.ClosedAt)}."),
            _ => ((string?)null, (string?)null),
        };
        if (subject is null || lead is null) return;
        Enqueue(db, OutboxKinds.OpenerNotified, r, [address], subject,
            lead + " You can turn these emails off on the Support tickets page of the portal.", Facts(r), RequestLink(r.Id), "Open the request");
    }

    public async Task LockboxSwitchedAsync(ILockboxDbContext db, Tenant tenant, string changedBy, CancellationToken ct)
    {
        var to = await db.UserProfiles.AsNoTracking()
            .Where(u => u.TenantId == tenant.Id && u.IsGlobalAdministrator && u.Email != "")
            .Select(u => u.Email).ToListAsync(ct);
        if (to.Count == 0) return;
        var state = tenant.LockboxEnabled ? "on" : "off";
        Enqueue(db, OutboxKinds.LockboxSwitched, null, to,
            $"Customer Lockbox was switched {state} for {tenant.DisplayName}",
            tenant.LockboxEnabled
                ? $"{changedBy} switched Customer Lockbox on. Support engineers now need an approver's consent before accessing your environment."
                : $"{changedBy} switched Customer Lockbox off. Access requests from support engineers are now approved automatically.",
            [("Tenant", tenant.DisplayName), ("Changed by", changedBy), ("When", Format(tenant.LockboxChangedAt))],
            Link("/lockbox/administration"), "Open Administration", tenant.Id);
    }

    /// <summary>
    /// Who is asked to decide a request: the approvers a Global Administrator assigned to its subscription, or, when
    /// it has none (or the request is tenant-wide), the tenant's approvers and alternate addresses.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApproverAddressesAsync(ILockboxDbContext db, AccessRequest r, CancellationToken ct)
    {
        if (r.SubscriptionId is { } subscription)
        {
            var assigned = await db.SubscriptionApprovers.AsNoTracking()
                .Where(a => a.TenantId == r.TenantId && a.SubscriptionId == subscription && a.ApproverEmail != "")
                .Select(a => a.ApproverEmail).ToListAsync(ct);
            var valid = assigned.Where(Common.EmailAddresses.IsValid).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
            if (valid.Count > 0) return valid;
        }
        return await ApproverAddressesAsync(db, r.TenantId, ct);
    }

    /// <summary>The tenant's Global Administrators and Lockbox approvers known from sign-in, plus its alternate addresses.</summary>
    public static async Task<IReadOnlyList<string>> ApproverAddressesAsync(ILockboxDbContext db, Guid tenantId, CancellationToken ct)
    {
        var known = await db.UserProfiles.AsNoTracking()
            .Where(u => u.TenantId == tenantId && (u.IsGlobalAdministrator || u.IsApprover) && u.Email != "")
            .Select(u => u.Email).ToListAsync(ct);
        var alternates = await db.Tenants.AsNoTracking().Where(t => t.Id == tenantId)
            .Select(t => t.AlternateNotificationEmails).SingleOrDefaultAsync(ct) ?? "";
        return known
            .Concat(alternates.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(Common.EmailAddresses.IsValid)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    public string RequestLink(Guid requestId) => Link($"/lockbox/requests/{requestId}");

    private string Link(string path) => portal.CurrentValue.PublicBaseUrl.TrimEnd('/') + path;

    private static (string Label, string Value)[] Facts(AccessRequest r) =>
    [
        ("Request id", r.Id.ToString()),
        ("Support ticket", r.TicketNumber),
        ("Engineer", $"{r.EngineerName} <{r.EngineerEmail}>"),
        ("Organization", r.SupportOrganization),
        ("Scope", r.ScopeKind == AccessScopeKind.Subscription ? $"Subscription {r.SubscriptionId}" : "Tenant"),
        ("Resources", r.ResourceIdList.Count == 0 ? "(whole scope)" : string.Join(", ", r.ResourceIdList)),
        ("Justification", r.Justification),
        ("Requested duration", $"{r.RequestedDuration.TotalHours:0.##} hours"),
        ("Pending deadline", Format(r.PendingUntil)),
        ("Decision", r.DecisionReason is null ? "" : $"{r.DecidedByName}: {r.DecisionReason}"),
        ("Access window", r.AccessStartsAt is null ? "" : $"{Format(r.AccessStartsAt)} to {Format(r.AccessEndsAt)}"),
    ];

    private void Enqueue(ILockboxDbContext db, string kind, AccessRequest? r, IEnumerable<string> to, string subject,
        string lead, (string Label, string Value)[] facts, string link, string linkText, Guid? tenantId = null)
    {
        var id = RowIds.New();
        var now = time.GetUtcNow();
        var shownFacts = facts.Where(f => !string.IsNullOrEmpty(f.Value)).ToArray();

        var text = new StringBuilder().AppendLine(lead).AppendLine();
        foreach (var (label, value) in shownFacts) text.AppendLine($"{label}: {value}");
        text.AppendLine().AppendLine($"{linkText}: {link}");

        var html = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Arial,sans-serif\">")
            .Append("<p>").Append(WebUtility.HtmlEncode(lead)).Append("</p><table>");
        foreach (var (label, value) in shownFacts)
            html.Append("<tr><th style=\"text-align:left;padding-right:12px\">").Append(WebUtility.HtmlEncode(label))
                .Append("</th><td style=\"white-space:pre-wrap\">").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
        html.Append("</table><p><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">")
            .Append(WebUtility.HtmlEncode(linkText)).Append("</a></p></body></html>");

        var domain = new Uri(portal.CurrentValue.PublicBaseUrl).Host;
        db.OutboxMessages.Add(new OutboxMessage
        {
            Id = id,
            MessageId = $"<{id:N}@{domain}>",
            Kind = kind,
            TenantId = r?.TenantId ?? tenantId,
            AccessRequestId = r?.Id,
            To = string.Join(';', to),
            Subject = LogText.Neutralise(subject, 250),
            TextBody = text.ToString(),
            HtmlBody = html.ToString(),
            Status = OutboxStatus.Pending,
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }

    private static string Format(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'") : "";
}

/// <summary>Who opened a request's ticket, and the address to tell them at (null: none, or they turned these emails off).</summary>
public sealed record TicketOpener(Guid Oid, string? Address);
