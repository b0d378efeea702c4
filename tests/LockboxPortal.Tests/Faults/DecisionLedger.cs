using LockboxPortal.Application.Audit;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.FaultDrill;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Faults;

/// <summary>
/// The fault suites' accounting after a crash: every planned decision is in the database once, with the audit
/// trail and grant it implies; every outbox message was sent; every email is in the pickup folder exactly once.
/// Shared by the SIGKILL drill and the multi-instance browser suite (linked into the EndToEnd project).
/// </summary>
public static class DecisionLedger
{
    /// <summary>
    /// Checks each planned request against the database; <paramref name="reported"/> holds what a client saw
    /// decided (a decision seen must not be lost). Returns the number of requests checked.
    /// </summary>
    public static async Task<int> CheckDatabaseAsync(PortalFixture f, IReadOnlyList<PlannedDecision> plan,
        IReadOnlyDictionary<Guid, (AccessRequestStatus Status, string Approver, int Round)> reported, List<string> problems)
    {
        var requests = await f.Db(db => db.AccessRequests.AsNoTracking().ToDictionaryAsync(x => x.Id));
        var audit = await f.Db(db => db.AuditEntries.AsNoTracking().Where(e => e.Target.StartsWith("access-request/"))
            .OrderBy(e => e.Sequence).ToListAsync());
        var auditByRequest = audit.ToLookup(e => Guid.Parse(e.Target["access-request/".Length..]));
        var grants = (await f.Db(db => db.AccessGrants.AsNoTracking().Select(g => g.RequestId).ToListAsync())).ToLookup(id => id);
        var oids = All.ToDictionary(p => p.Key, p => p.Oid);

        foreach (var planned in plan.GroupBy(p => p.RequestId))
        {
            var id = planned.Key;
            if (!requests.TryGetValue(id, out var request))
            {
                problems.Add($"Request {id} of the plan is missing from the database.");
                continue;
            }

            var expected = planned.Select(p => p.Verb == DrillVerb.Approve ? AccessRequestStatus.Approved : AccessRequestStatus.Denied).Distinct().ToList();
            if (!expected.Contains(request.Status))
                problems.Add($"Request {id} ends {request.Status}; its plan said {string.Join(" or ", expected)}" +
                    (request.Status == AccessRequestStatus.CustomerNotified ? ": the burst did not resume it after a restart." : "."));
            if (reported.TryGetValue(id, out var said))
            {
                if (said.Status != request.Status)
                    problems.Add($"Request {id} was reported {said.Status} by {said.Approver} in round {said.Round}, but the database says {request.Status}: a committed decision was lost.");
                else if (request.DecidedByOid != oids[said.Approver])
                    problems.Add($"Request {id} was reported decided by {said.Approver} in round {said.Round}, but the database names {request.DecidedByName}.");
            }

            // The audit trail of the request replays through the lifecycle table to the status it has now.
            var actions = auditByRequest[id].Select(e => e.Action).ToList();
            var state = (AccessRequestStatus?)null;
            foreach (var action in actions)
            {
                (state, var legal) = (state, action) switch
                {
                    (null, AuditActions.RequestFiled) => (AccessRequestStatus.CustomerNotified, true),
                    ({ } from, AuditActions.RequestApproved) => AccessRequestLifecycle.TryApply(from, LifecycleEvent.Approve, out var to) ? (to, true) : (from, false),
                    ({ } from, AuditActions.RequestDenied) => AccessRequestLifecycle.TryApply(from, LifecycleEvent.Deny, out var to) ? (to, true) : (from, false),
                    (AccessRequestStatus.Approved, AuditActions.GrantIssued) => (AccessRequestStatus.Approved, true),
                    _ => (state, false),
                };
                if (!legal) problems.Add($"Request {id}: audit action {action} is not a legal step from {state?.ToString() ?? "nothing"} (trail: {string.Join(", ", actions)}).");
            }
            var trail = request.Status == AccessRequestStatus.Approved
                ? new[] { AuditActions.RequestFiled, AuditActions.RequestApproved, AuditActions.GrantIssued }
                : [AuditActions.RequestFiled, AuditActions.RequestDenied];
            if (!actions.SequenceEqual(trail))
                problems.Add($"Request {id} ({request.Status}) has the audit trail [{string.Join(", ", actions)}]; expected [{string.Join(", ", trail)}]: one decision entry, one grant entry when approved.");
            var decision = auditByRequest[id].FirstOrDefault(e => e.Action is AuditActions.RequestApproved or AuditActions.RequestDenied);
            if (decision is not null && decision.ActorOid != request.DecidedByOid)
                problems.Add($"Request {id}: the decision was audited as {decision.Actor} but recorded as {request.DecidedByName}.");

            var grantCount = grants[id].Count();
            var expectedGrants = request.Status == AccessRequestStatus.Approved ? 1 : 0;
            if (grantCount != expectedGrants)
                problems.Add($"Request {id} ({request.Status}) has {grantCount} grants; expected {expectedGrants}.");
        }
        return plan.Select(p => p.RequestId).Distinct().Count();
    }

    /// <summary>
    /// Every outbox message sent and no longer claimed; per request one email to the approvers when filed and one
    /// to the engineer about the decision, and one to the ticket's opener for each; and in the pickup folder exactly one complete .eml per message, found by
    /// its Message-Id, and nothing else (a half-written .tmp must have been replaced by the resend).
    /// </summary>
    public static async Task<(int Files, int Reclaimed, int MaxAttempts)> CheckEmailAsync(PortalFixture f, string mailDirectory, List<string> problems)
    {
        var outbox = await f.Db(db => db.OutboxMessages.AsNoTracking().ToListAsync());
        var statuses = await f.Db(db => db.AccessRequests.AsNoTracking().ToDictionaryAsync(x => x.Id, x => x.Status));

        foreach (var m in outbox.Where(m => m.Status != OutboxStatus.Sent || m.ClaimedBy is not null || m.SentAt is null))
            problems.Add($"Outbox message {m.MessageId} ({m.Kind}) is {m.Status} after {m.Attempts} attempts, claimed by {m.ClaimedBy ?? "nobody"} until {m.ClaimedUntil:O}; last error {m.LastError ?? "none"}.");
        foreach (var (id, status) in statuses)
        {
            var kinds = outbox.Where(m => m.AccessRequestId == id).Select(m => m.Kind).Order().ToList();
            var expected = status switch
            {
                AccessRequestStatus.Approved => new[] { OutboxKinds.RequestApproved, OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified, OutboxKinds.OpenerNotified },
                AccessRequestStatus.Denied => [OutboxKinds.RequestDenied, OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified, OutboxKinds.OpenerNotified],
                _ => [OutboxKinds.RequestFiled, OutboxKinds.OpenerNotified],
            };
            if (!kinds.SequenceEqual(expected.Order()))
                problems.Add($"Request {id} ({status}) has the outbox messages [{string.Join(", ", kinds)}]; expected [{string.Join(", ", expected.Order())}].");
        }

        var files = System.IO.Directory.Exists(mailDirectory) ? System.IO.Directory.GetFiles(mailDirectory) : [];
        foreach (var stray in files.Where(f => !f.EndsWith(".eml", StringComparison.Ordinal)))
            problems.Add($"The pickup folder holds {Path.GetFileName(stray)}, which is not a finished message.");

        var byMessageId = new Dictionary<string, List<string>>();
        var read = new Dictionary<string, MimeMessage>();
        foreach (var file in files.Where(f => f.EndsWith(".eml", StringComparison.Ordinal)))
        {
            try
            {
                var message = await MimeMessage.LoadAsync(file);
                var key = $"<{message.MessageId}>";
                if (!byMessageId.TryGetValue(key, out var names)) byMessageId[key] = names = [];
                names.Add(Path.GetFileName(file));
                read[key] = message;
            }
            catch (Exception ex) when (ex is FormatException or IOException)
            {
                problems.Add($"{Path.GetFileName(file)} cannot be read as a message: {ex.Message}");
            }
        }
        foreach (var (key, names) in byMessageId.Where(x => x.Value.Count > 1))
            problems.Add($"Message {key} was delivered {names.Count} times: {string.Join(", ", names)}.");
        foreach (var key in byMessageId.Keys.Except(outbox.Select(m => m.MessageId)))
            problems.Add($"The pickup folder holds message {key}, which no outbox row sent.");
        foreach (var m in outbox)
        {
            if (!read.TryGetValue(m.MessageId, out var message))
            {
                problems.Add($"Outbox message {m.MessageId} ({m.Kind}, {m.Status}) is not in the pickup folder.");
                continue;
            }
            var to = message.To.Mailboxes.Select(a => a.Address).Order(StringComparer.OrdinalIgnoreCase);
            if (message.Subject != m.Subject || !to.SequenceEqual(m.Recipients.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase)
                || message.TextBody?.Contains(m.AccessRequestId.ToString()!, StringComparison.Ordinal) != true)
                problems.Add($"The .eml of {m.MessageId} does not carry its outbox row's subject, recipients and body.");
        }
        return (files.Length, outbox.Count(m => m.Attempts > 1), outbox.Select(m => m.Attempts).DefaultIfEmpty().Max());
    }
}
