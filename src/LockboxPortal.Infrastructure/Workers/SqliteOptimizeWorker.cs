using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>
/// Keeps SQLite's planner statistics current as the history grows (SQLite's advice for long-lived
/// connections): without them the planner can prefer the sweeper's (Status, PendingUntil) index for a
/// tenant's status filter and sort the result, instead of seeking (TenantId, Status, CreatedAt, Id).
/// </summary>
internal sealed class SqliteOptimizeWorker(
    IDbContextFactory<LockboxDbContext> dbFactory,
    IOptionsMonitor<DatabaseOptions> options,
    TimeProvider time,
    ILogger<SqliteOptimizeWorker> logger) : PeriodicWorker(time, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.OptimizeInterval;
    protected override string WorkName => "SQLite optimize";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await OptimizeAsync(db, ct);
    }

    /// <summary>
    /// Analyses the tables that have never been analysed or have changed a lot since, each from a bounded
    /// sample, so it takes milliseconds even on a file with millions of rows.
    /// </summary>
    internal static Task OptimizeAsync(LockboxDbContext db, CancellationToken ct) =>
        db.Database.ExecuteSqlRawAsync("PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002;", ct);
}
