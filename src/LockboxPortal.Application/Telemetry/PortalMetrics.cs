using System.Diagnostics.Metrics;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Application.Telemetry;

/// <summary>
/// The portal's own metrics, on the meter <see cref="MeterName"/>. Counters and histograms are recorded where
/// the work happens; the gauges read the database only when a metrics reader collects (once per export
/// interval), so nothing is queried while no exporter is configured. The database gauges describe the shared
/// database, so every instance reports the same value: aggregate them with max, not sum. Open circuits are per
/// instance and do add up.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "LockboxPortal";

    private readonly ILockboxDbContextFactory _dbFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<PortalMetrics> _logger;
    private readonly Counter<long> _filed;
    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _decisionDuration;
    private readonly Histogram<double> _decisionWait;
    private readonly Counter<long> _outboxSent;
    private readonly Counter<long> _outboxFailures;
    private readonly UpDownCounter<long> _circuits;

    public PortalMetrics(IMeterFactory meters, ILockboxDbContextFactory dbFactory, TimeProvider time, ILogger<PortalMetrics> logger)
    {
        (_dbFactory, _time, _logger) = (dbFactory, time, logger);
        var meter = meters.Create(MeterName);

        _filed = meter.CreateCounter<long>("lockbox.requests.filed", "{request}",
            "Access requests filed, by the status they started in (pending, or approved because Lockbox is off).");
        _decisions = meter.CreateCounter<long>("lockbox.decisions", "{decision}",
            "Decisions recorded on access requests: approved, denied, revoked, withdrawn.");
        _decisionDuration = meter.CreateHistogram<double>("lockbox.decision.duration", "s",
            "How long the portal took to record a decision: checks, the write transaction, audit entry and outbox message.");
        _decisionWait = meter.CreateHistogram<double>("lockbox.request.wait_time", "s",
            "How long a request waited for its approval or denial, from filing to decision.");
        _outboxSent = meter.CreateCounter<long>("lockbox.outbox.sent", "{message}", "Outbox messages delivered to the mail transport.");
        _outboxFailures = meter.CreateCounter<long>("lockbox.outbox.failures", "{attempt}",
            "Failed delivery attempts: outcome=retrying (another attempt is scheduled) or failed (kept for an administrator).");
        _circuits = meter.CreateUpDownCounter<long>("lockbox.circuits.open", "{circuit}", "Interactive (Blazor Server) circuits open on this instance.");

        meter.CreateObservableGauge("lockbox.requests.pending", () => Observe<long>(PendingRequestsAsync), "{request}",
            "Access requests waiting for a customer's decision (not yet past their deadline).");
        meter.CreateObservableGauge("lockbox.outbox.pending", () => Observe<long>(PendingMessagesAsync), "{message}",
            "Outbox messages not yet delivered, due or not.");
        meter.CreateObservableGauge("lockbox.outbox.lag", () => Observe<double>(OutboxLagAsync), "s",
            "Age of the oldest outbox message that is due and not yet delivered; 0 when the dispatcher is keeping up.");
        meter.CreateObservableGauge("lockbox.audit.checkpoint.age", () => Observe<double>(CheckpointAgeAsync), "s",
            "Time since the newest signed audit checkpoint; absent until the first one is signed.");
    }

    public void RequestFiled(AccessRequest request) =>
        _filed.Add(1, new KeyValuePair<string, object?>("status", StatusTag(request.Status)));

    /// <summary>Called once a decision has committed; <paramref name="elapsed"/> is the time the call took.</summary>
    public void Decided(AccessRequest request, TimeSpan elapsed)
    {
        var decision = new KeyValuePair<string, object?>("decision", StatusTag(request.Status));
        _decisions.Add(1, decision);
        _decisionDuration.Record(elapsed.TotalSeconds, decision);
        if (request.Status is AccessRequestStatus.Approved or AccessRequestStatus.Denied && request.DecidedAt is { } decidedAt)
            _decisionWait.Record(Math.Max(0, (decidedAt - request.CreatedAt).TotalSeconds), decision);
    }

    public void OutboxSent(OutboxMessage message) => _outboxSent.Add(1, new KeyValuePair<string, object?>("kind", message.Kind));

    public void OutboxFailed(OutboxMessage message, OutboxStatus outcome) => _outboxFailures.Add(1,
        new KeyValuePair<string, object?>("kind", message.Kind),
        new KeyValuePair<string, object?>("outcome", outcome == OutboxStatus.Failed ? "failed" : "retrying"));

    public void CircuitOpened() => _circuits.Add(1);

    public void CircuitClosed() => _circuits.Add(-1);

    private static string StatusTag(AccessRequestStatus status) => status.ToString().ToLowerInvariant();

    private static async Task<long?> PendingRequestsAsync(ILockboxDbContext db, DateTimeOffset now) =>
        await db.AccessRequests.CountAsync(r => r.Status == AccessRequestStatus.CustomerNotified && r.PendingUntil > now);

    private static async Task<long?> PendingMessagesAsync(ILockboxDbContext db, DateTimeOffset now) =>
        await db.OutboxMessages.CountAsync(m => m.Status == OutboxStatus.Pending);

    private static async Task<double?> OutboxLagAsync(ILockboxDbContext db, DateTimeOffset now)
    {
        var due = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).Select(m => (DateTimeOffset?)m.NextAttemptAt).FirstOrDefaultAsync();
        return due is { } oldest ? (now - oldest).TotalSeconds : 0;
    }

    private static async Task<double?> CheckpointAgeAsync(ILockboxDbContext db, DateTimeOffset now)
    {
        var newest = await db.AuditCheckpoints.AsNoTracking()
            .OrderByDescending(c => c.Sequence).Select(c => (DateTimeOffset?)c.CreatedAt).FirstOrDefaultAsync();
        return newest is { } at ? Math.Max(0, (now - at).TotalSeconds) : null;
    }

    /// <summary>
    /// Gauge callbacks are synchronous and run on the metrics reader's thread, never on a request or circuit
    /// thread, so waiting for the query here blocks nobody a user waits on. A failing database yields no
    /// measurement (a gap in the series) rather than a made-up zero.
    /// </summary>
    private IEnumerable<Measurement<T>> Observe<T>(Func<ILockboxDbContext, DateTimeOffset, Task<T?>> read) where T : struct
    {
        T? value;
        try
        {
            value = Task.Run(async () =>
            {
                await using var db = await _dbFactory.CreateDbContextAsync();
                return await read(db, _time.GetUtcNow());
            }).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Reading a portal gauge from the database failed; the gauge is skipped this round");
            return [];
        }
        return value is { } v ? [new Measurement<T>(v)] : [];
    }
}
