using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Transparency;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>Asks for and reminds of accounts of work at start and then every <see cref="LockboxOptions.SweepInterval"/>.</summary>
internal sealed class AttestationWorker(
    AttestationSweeper sweeper,
    IOptionsMonitor<LockboxOptions> options,
    TimeProvider time,
    ILogger<AttestationWorker> logger) : PeriodicWorker(time, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.SweepInterval;
    protected override string WorkName => "Account-of-work sweep";
    protected override Task RunOnceAsync(CancellationToken ct) => sweeper.SweepAsync(ct);
}
