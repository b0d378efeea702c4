using LockboxPortal.Application.Lockbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>Runs the lifecycle sweep at start and then every <see cref="LockboxOptions.SweepInterval"/>.</summary>
internal sealed class LifecycleSweepWorker(
    LifecycleSweeper sweeper,
    IOptionsMonitor<LockboxOptions> options,
    TimeProvider time,
    ILogger<LifecycleSweepWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.CurrentValue.SweepInterval, time);
        do
        {
            try
            {
                await sweeper.SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Lifecycle sweep failed; retrying at the next interval");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
