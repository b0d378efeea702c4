using LockboxPortal.Application.Lockbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>Runs the lifecycle sweep at start and then every <see cref="LockboxOptions.SweepInterval"/>.</summary>
internal sealed class LifecycleSweepWorker(
    LifecycleSweeper sweeper,
    IOptionsMonitor<LockboxOptions> options,
    TimeProvider time,
    ILogger<LifecycleSweepWorker> logger) : PeriodicWorker(time, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.SweepInterval;
    protected override string WorkName => "Lifecycle sweep";
    protected override Task RunOnceAsync(CancellationToken ct) => sweeper.SweepAsync(ct);
}
