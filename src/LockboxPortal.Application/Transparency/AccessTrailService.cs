using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Transparency;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Transparency;

/// <summary>
/// The usage trail of a request: uses its gateways report, the access-check answers the portal gave, and the
/// anomalies among the uses (audited, and alerted to the approvers by email with a pause per kind).
/// </summary>
public sealed class AccessTrailService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    NotificationComposer notifications,
    IPortalEvents events,
    ILogger<AccessTrailService> logger)
{
    public const int MaxBatch = 100;

    /// <summary>How far ahead of the portal's clock a gateway's clock may run before a reported time is refused.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>After an alert about one kind of anomaly on a request, more of that kind are recorded and audited but not emailed for this long.</summary>
    public static readonly TimeSpan AlertPause = TimeSpan.FromHours(1);

    public const int MaxPageSize = 200;

    /// <summary>
    /// Records a gateway's batch of uses, all or nothing: any bad event refuses the whole batch, naming the field.
    /// A grant of a tenant the caller is not configured for is answered exactly like a grant that does not exist.
    /// An event id the caller sent before is not recorded again (its receipt says so), so a retried call is harmless.
    /// </summary>
    public async Task<AccessEventsReceipt> ReportAsync(AccessCheckCaller caller, IReadOnlyList<ReportedAccessEvent?>? batch, CancellationToken ct = default)
    {
        var valid = await ValidateAsync(caller, batch, ct);
        // A concurrent retry of the same ids loses on the unique index; run again, it finds them recorded and answers duplicates.
        return await RecordAsync(caller, valid, ct) ?? await RecordAsync(caller, valid, ct)
            ?? throw new ConflictException("The same events are being recorded by another call; retry this one.");
    }

    private sealed record ValidEvent(string EventId, AccessRequest Request, string ResourceId, string Action, DateTimeOffset OccurredAt);

    private async Task<IReadOnlyList<ValidEvent>> ValidateAsync(AccessCheckCaller caller, IReadOnlyList<ReportedAccessEvent?>? batch, CancellationToken ct)
    {
        if (batch is null || batch.Count == 0)
            throw new InputValidationException("events", "Send at least one event: {\"events\": [{\"eventId\", \"grantId\", \"resourceId\", \"action\", \"occurredAt\"}]}.");
        if (batch.Count > MaxBatch)
            throw new InputValidationException("events", $"Send at most {MaxBatch} events per call; this one had {batch.Count}. Split the batch.");

        var errors = new Dictionary<string, List<string>>();
        void Error(int i, string field, string message)
        {
            var key = $"events[{i}].{field}";
            if (!errors.TryGetValue(key, out var list)) errors[key] = list = [];
            list.Add(message);
        }

        var latest = time.GetUtcNow() + ClockSkew;
        // Event ids are told apart ignoring case, and never start or end with a space: SQL Server's collation compares
        // them so, and its unique index would refuse forever a retry that SQLite takes as a new event.
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is not { } e) { Error(i, "eventId", "The event is empty."); continue; }
            if (string.IsNullOrWhiteSpace(e.EventId)) Error(i, "eventId", "Give each event an id of your own (up to 100 characters); a retry sends the same id.");
            else if (e.EventId.Length > AccessEvent.MaxEventIdLength || Validation.HasAnyControlCharacter(e.EventId))
                Error(i, "eventId", $"The event id must be at most {AccessEvent.MaxEventIdLength} characters without control characters.");
            else if (e.EventId.Trim().Length != e.EventId.Length)
                Error(i, "eventId", "The event id must not start or end with a space; send it as the gateway stores it.");
            else if (!seen.TryAdd(e.EventId, i)) Error(i, "eventId", $"The id {LogText.Neutralise(e.EventId, 100)} is also used by events[{seen[e.EventId]}]; each event of a batch needs its own id (ids are compared ignoring case).");
            if (e.GrantId is null || e.GrantId == Guid.Empty) Error(i, "grantId", "Give the grant's id (its request_id claim, a GUID).");
            if (string.IsNullOrWhiteSpace(e.ResourceId)) Error(i, "resourceId", "Give the Azure resource id that was accessed.");
            else if (e.ResourceId.Length > AccessEvent.MaxResourceIdLength || Validation.HasAnyControlCharacter(e.ResourceId))
                Error(i, "resourceId", $"The resource id must be at most {AccessEvent.MaxResourceIdLength} characters without control characters.");
            if (string.IsNullOrWhiteSpace(e.Action)) Error(i, "action", "Say what was done, e.g. \"Microsoft.Compute/virtualMachines/read\" or \"kubectl exec\".");
            else if (e.Action.Length > AccessEvent.MaxActionLength || Validation.HasAnyControlCharacter(e.Action))
                Error(i, "action", $"The action must be at most {AccessEvent.MaxActionLength} characters without control characters.");
            if (e.OccurredAt is not { } at) Error(i, "occurredAt", "Give the time of the use (ISO 8601 with an offset, e.g. 2026-12-01T14:05:00Z).");
            else if (at > latest) Error(i, "occurredAt", $"The time lies in the future (more than {ClockSkew.TotalMinutes:0} minutes ahead of the portal's clock); check the gateway's clock.");
        }

        // Only grants of the caller's own tenants are looked up: another tenant's grant is as unknown as a made-up id.
        var ids = batch.Where(e => e?.GrantId is { } g && g != Guid.Empty).Select(e => e!.GrantId!.Value).Distinct().ToList();
        var tenants = caller.Tenants.ToList();
        Dictionary<Guid, AccessRequest> requests;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            requests = await db.AccessRequests.AsNoTracking()
                .Where(r => ids.Contains(r.Id) && tenants.Contains(r.TenantId) && db.AccessGrants.Any(g => g.RequestId == r.Id))
                .ToDictionaryAsync(r => r.Id, ct);
        }
        for (var i = 0; i < batch.Count; i++)
            if (batch[i]?.GrantId is { } g && g != Guid.Empty && !requests.ContainsKey(g))
                Error(i, "grantId", $"No grant {g} is known to this caller. Use the request_id of a grant the portal issued for one of your tenants.");

        if (errors.Count > 0) throw new InputValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        return batch.Select(e => new ValidEvent(e!.EventId!, requests[e.GrantId!.Value], e.ResourceId!.Trim(), e.Action!.Trim(), e.OccurredAt!.Value)).ToList();
    }

    private async Task<AccessEventsReceipt?> RecordAsync(AccessCheckCaller caller, IReadOnlyList<ValidEvent> batch, CancellationToken ct)
    {
        var callerName = LogText.Neutralise(caller.Name, 100);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        List<AccessEventReceipt> receipts;
        List<AccessRequest> touched;
        try
        {
            (receipts, touched) = await RecordInTransactionAsync(db, callerName, batch, ct);
        }
        catch (DbUpdateException ex) when (db.IsUniqueConstraintViolation(ex))
        {
            return null;
        }

        var recorded = receipts.Count(r => !r.Duplicate);
        if (recorded > 0)
            logger.LogInformation("{Caller} reported {Recorded} uses ({Anomalies} anomalous) of {Grants} grants", callerName, recorded,
                receipts.Count(r => !r.Duplicate && r.Anomalies.Count > 0), touched.Count);
        foreach (var r in touched) events.Publish(new AccessRequestChanged(r.Id, r.TenantId, r.TicketId, r.EngineerOid, r.Status.ToString()));
        return new AccessEventsReceipt(recorded, receipts.Count - recorded, receipts);
    }

    private Task<(List<AccessEventReceipt>, List<AccessRequest>)> RecordInTransactionAsync(ILockboxDbContext db, string callerName,
        IReadOnlyList<ValidEvent> batch, CancellationToken ct) =>
        db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            var eventIds = batch.Select(e => e.EventId).ToList();
            // Ignoring case, as the batch's ids were checked (and as SQL Server finds them); an earlier row kept by SQLite
            // under another case of the same id answers for it.
            var existing = new Dictionary<string, AccessEvent>(StringComparer.OrdinalIgnoreCase);
            foreach (var row in await db.AccessEvents.AsNoTracking()
                         .Where(e => e.Caller == callerName && eventIds.Contains(e.EventId)).ToListAsync(token))
                existing.TryAdd(row.EventId, row);

            var receipts = new List<AccessEventReceipt>();
            var fresh = new List<(ValidEvent Source, AccessEvent Row)>();
            foreach (var e in batch)
            {
                if (existing.TryGetValue(e.EventId, out var old))
                {
                    receipts.Add(new(e.EventId, old.RequestId, true, AccessAnomalies.Each(old.Anomalies).Select(AccessAnomalies.Code).ToList()));
                    continue;
                }
                var r = e.Request;
                var inScope = GrantScope.Covers(r.ScopeKind, r.SubscriptionId, r.ResourceIdList, e.ResourceId);
                var row = new AccessEvent
                {
                    Id = RowIds.New(),
                    TenantId = r.TenantId,
                    RequestId = r.Id,
                    Kind = AccessEventKind.Use,
                    EventId = e.EventId,
                    Caller = callerName,
                    ResourceId = e.ResourceId,
                    Action = e.Action,
                    OccurredAt = e.OccurredAt,
                    RecordedAt = now,
                    Anomalies = AccessAnomalies.Of(r, e.OccurredAt, inScope),
                };
                fresh.Add((e, row));
                receipts.Add(new(e.EventId, r.Id, false, AccessAnomalies.Each(row.Anomalies).Select(AccessAnomalies.Code).ToList()));
            }

            foreach (var group in fresh.Where(f => f.Row.Anomalies != AccessAnomaly.None).GroupBy(f => f.Row.RequestId))
                await AlertAsync(db, group.First().Source.Request, group.Select(f => f.Row).ToList(), callerName, now, token);

            db.AccessEvents.AddRange(fresh.Select(f => f.Row));
            return (receipts, fresh.Select(f => f.Source.Request).DistinctBy(r => r.Id).ToList());
        }, ct);

    /// <summary>
    /// Audits each anomalous use, and emails the approvers once per request for the kinds not alerted within the last
    /// <see cref="AlertPause"/>: a gateway reporting the same misuse over and over is all on the trail, but in one email an hour.
    /// </summary>
    private async Task AlertAsync(ILockboxDbContext db, AccessRequest r, IReadOnlyList<AccessEvent> anomalous, string callerName,
        DateTimeOffset now, CancellationToken ct)
    {
        foreach (var e in anomalous)
        {
            var kinds = AccessAnomalies.Each(e.Anomalies);
            await audit.AppendAsync(db, new AuditRecord(AuditActions.AccessAnomaly, $"access-request/{r.Id}", callerName, null, r.TenantId,
                new Dictionary<string, object?>
                {
                    ["eventId"] = e.EventId,
                    ["anomalies"] = kinds.Select(AccessAnomalies.Code).ToList(),
                    ["anomaly"] = string.Join(" and ", kinds.Select(AccessAnomalies.Describe)),
                    ["resourceId"] = e.ResourceId,
                    ["action"] = e.Action,
                    ["occurredAt"] = e.OccurredAt,
                    ["engineer"] = r.EngineerName,
                }), ct);
        }

        var since = now - AlertPause;
        var recentlyAlerted = (await db.AccessEvents.AsNoTracking()
                .Where(e => e.RequestId == r.Id && e.RecordedAt > since && e.Alerted != AccessAnomaly.None)
                .Select(e => e.Alerted).ToListAsync(ct))
            .Aggregate(AccessAnomaly.None, (all, a) => all | a);
        var toAlert = AccessAnomaly.None;
        foreach (var e in anomalous)
        {
            e.Alerted = e.Anomalies & ~recentlyAlerted & ~toAlert;
            toAlert |= e.Alerted;
        }
        if (toAlert == AccessAnomaly.None) return;
        var first = anomalous.First(e => e.Alerted != AccessAnomaly.None);
        await notifications.AccessAnomalyAsync(db, r, toAlert, first, anomalous.Count, ct);
    }

    /// <summary>
    /// Records an access-check answer on the trail of the request it concerns: the grant that allowed it, or, for a
    /// refusal, the engineer's grant that covers the resource but no longer (or not yet) holds, else the engineer's
    /// active grant the resource lies outside of. A refusal that concerns no grant of the engineer has no trail to join.
    /// </summary>
    internal async Task RecordCheckAsync(AccessCheckCaller caller, AccessCheckQuery query, string engineer, AccessCheckResult result,
        CancellationToken ct)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var now = time.GetUtcNow();
            var started = GatewayEngineer.Candidates(db.AccessRequests.AsNoTracking().Where(r => r.TenantId == query.TenantId), engineer)
                .Where(r => r.AccessStartsAt != null);
            // The engineer's own 20 latest: the database's candidates may hold other engineers' grants too.
            var grants = await started.OrderByDescending(r => r.AccessEndsAt).AsAsyncEnumerable()
                .Where(r => GatewayEngineer.Filed(r.EngineerEmail, engineer)).Take(20).ToListAsync(ct);
            if (About(grants, query, result, now) is not ({ } about, var reason)) return;
            await db.InTransactionAsync(_ =>
            {
                db.AccessEvents.Add(new AccessEvent
                {
                    Id = RowIds.New(),
                    TenantId = about.TenantId,
                    RequestId = about.Id,
                    Kind = AccessEventKind.Check,
                    EventId = $"check-{Guid.NewGuid():N}",
                    Caller = LogText.Neutralise(caller.Name, 100),
                    ResourceId = query.ResourceId.Trim(),
                    Action = "access check",
                    OccurredAt = now,
                    RecordedAt = now,
                    Allowed = result.Allowed,
                    Reason = reason,
                });
                return Task.FromResult(0);
            }, ct);
            events.Publish(new AccessRequestChanged(about.Id, about.TenantId, about.TicketId, about.EngineerOid, about.Status.ToString()));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The gateway's answer does not wait on the trail: it was computed already and stands.
            logger.LogWarning(ex, "An access-check answer could not be recorded on the usage trail");
        }
    }

    private static (AccessRequest, string)? About(IReadOnlyList<AccessRequest> grants, AccessCheckQuery query, AccessCheckResult result, DateTimeOffset now)
    {
        if (result.Allowed)
            return grants.FirstOrDefault(r => r.Id == result.RequestId) is { } allowed ? (allowed, "Allowed: an active grant covers the resource") : null;
        var covering = grants
            .Where(r => GrantScope.Covers(r.ScopeKind, r.SubscriptionId, r.ResourceIdList, query.ResourceId))
            .OrderByDescending(r => r.AccessEndsAt).FirstOrDefault();
        if (covering is not null)
            return (covering, covering.StatusAt(now) switch
            {
                AccessRequestStatus.Revoked => "Refused: the grant was revoked",
                AccessRequestStatus.Completed => "Refused: the access window has ended",
                _ => "Refused: the access window has not started",
            });
        return grants.Where(r => r.StatusAt(now) == AccessRequestStatus.Approved).OrderByDescending(r => r.AccessEndsAt).FirstOrDefault() is { } active
            ? (active, "Refused: the resource is outside the approved scope")
            : null;
    }

    /// <summary>
    /// "What was accessed" on a request: its trail in time order, a page at a time, for exactly whoever may see the
    /// request (anyone else: not found).
    /// </summary>
    public async Task<AccessTrailPage> ListAsync(Guid requestId, int skip = 0, int pageSize = 50, CancellationToken ct = default)
    {
        var user = currentUser.RequireSignedIn();
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await Visibility.Requests(db, user).AnyAsync(r => r.Id == requestId, ct)) throw Visibility.RequestNotFound();

        var trail = db.AccessEvents.AsNoTracking().Where(e => e.RequestId == requestId);
        var total = await trail.CountAsync(ct);
        var anomalies = await trail.CountAsync(e => e.Anomalies != AccessAnomaly.None, ct);
        var rows = await trail.OrderBy(e => e.OccurredAt).ThenBy(e => e.RecordedAt).ThenBy(e => e.Id)
            .Skip(Math.Max(0, skip)).Take(pageSize).ToListAsync(ct);
        var items = rows.Select(e => new AccessEventDto(e.Id, e.Kind, e.Caller, e.ResourceId, e.Action, e.OccurredAt, e.Allowed, e.Reason,
            AccessAnomalies.Each(e.Anomalies))).ToList();
        return new AccessTrailPage(items, total, anomalies);
    }
}
