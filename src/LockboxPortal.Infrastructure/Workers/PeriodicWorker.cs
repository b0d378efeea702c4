using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>
/// Runs one unit of work at start and then every <see cref="Interval"/> (on <see cref="TimeProvider"/>'s clock).
/// A failed round is logged and retried at the next tick; shutdown ends the loop quietly.
/// </summary>
internal abstract class PeriodicWorker(TimeProvider time, ILogger logger) : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <summary>Said in the log when a round fails, e.g. "Lifecycle sweep".</summary>
    protected abstract string WorkName { get; }

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Whatever a round cut short by shutdown throws (cancellation, a disposed service when start-up
                // failed) is the shutdown, not a failure worth an error line.
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Work} failed; retrying at the next interval", WorkName);
            }
        }
        while (await NextTickAsync(timer, stoppingToken));
    }

    /// <summary>
    /// False when the host stops. Cancellation while waiting is shutdown, not a failure: when start-up fails
    /// (a busy port) the host never calls StopAsync and would otherwise report this worker as crashed.
    /// </summary>
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
