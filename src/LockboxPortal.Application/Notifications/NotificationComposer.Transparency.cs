using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Transparency;

namespace LockboxPortal.Application.Notifications;

/// <summary>The usage trail's alert to the approvers, and the engineer's request for an account of the work done.</summary>
public sealed partial class NotificationComposer
{
    /// <summary>Tells the approvers that a gateway reported a use of the request's grant outside it.</summary>
    public async Task AccessAnomalyAsync(ILockboxDbContext db, AccessRequest r, AccessAnomaly kinds, AccessEvent example, int uses, CancellationToken ct)
    {
        var to = await ApproverAddressesAsync(db, r.TenantId, ct);
        if (to.Count == 0) return;
        var what = string.Join(" and ", AccessAnomalies.Each(kinds).Select(AccessAnomalies.Describe));
        Enqueue(db, OutboxKinds.AccessAnomaly, r, to,
            $"Alert: access for ticket {r.TicketNumber} was used {what}",
            $"{example.Caller} reported that {r.EngineerName} of {r.SupportOrganization} used the access granted for ticket {r.TicketNumber} {what}" +
            (uses > 1 ? $" ({uses} such uses in this report)." : ".") +
            $" Further uses of this kind on this request are recorded on its page without another email for {Transparency.AccessTrailService.AlertPause.TotalMinutes:0} minutes. Review what was accessed:",
            [("Action", example.Action), ("Resource", example.ResourceId), ("When", Format(example.OccurredAt)), .. Facts(r)],
            RequestLink(r.Id), "See what was accessed");
    }

    /// <summary>Asks the engineer for an account of the work done under the ended access, or reminds them of it.</summary>
    public Task AttestationDueAsync(ILockboxDbContext db, AccessRequest r, Attestation a, bool reminder, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(a.EngineerEmail)) return Task.CompletedTask;
        var overdue = a.IsOverdueAt(time.GetUtcNow());
        Enqueue(db, reminder ? OutboxKinds.AttestationReminder : OutboxKinds.AttestationDue, r, [a.EngineerEmail],
            (reminder ? (overdue ? "Overdue: " : "Reminder: ") : "") + $"tell the customer what you did for ticket {r.TicketNumber}",
            $"Your access for ticket {r.TicketNumber} ended at {Format(a.AccessEndedAt)}. The customer asks for a short account of what you did " +
            $"while you had access: which resources you used, what you read or changed, and why. Please give it by {Format(a.DueAt)}" +
            (overdue ? " — it is overdue." : "."),
            Facts(r), RequestLink(r.Id), "Give your account");
        return Task.CompletedTask;
    }
}
