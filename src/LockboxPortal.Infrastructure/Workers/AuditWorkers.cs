using LockboxPortal.Application.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>
/// Signs and anchors a checkpoint of each grown audit chain every <see cref="AuditOptions.CheckpointInterval"/>
/// (a minute by default), and once more at shutdown, so the last entries of a stopping portal are anchored too.
/// </summary>
internal sealed class AuditCheckpointWorker(
    AuditCheckpointer checkpointer,
    IOptionsMonitor<AuditOptions> options,
    TimeProvider time,
    ILogger<AuditCheckpointWorker> logger) : PeriodicWorker(time, logger)
{
    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(10);

    protected override TimeSpan Interval => options.CurrentValue.CheckpointInterval;
    protected override string WorkName => "Signing an audit checkpoint";
    protected override Task RunOnceAsync(CancellationToken ct) => checkpointer.CheckpointAsync(ct);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(ShutdownBudget);
        try
        {
            var signed = await checkpointer.CheckpointAsync(budget.Token);
            if (signed.Count > 0) logger.LogInformation("Signed {Count} audit checkpoint(s) at shutdown", signed.Count);
        }
        catch (Exception ex)
        {
            // Shutdown goes on: the next start's first round signs what is left.
            logger.LogWarning(ex, "Signing audit checkpoints at shutdown failed");
        }
    }
}

/// <summary>Appends queued refused-authorization entries, in a transaction of their own, as they arrive.</summary>
internal sealed class RefusalAuditWorker(RefusalAuditor refusals, ILogger<RefusalAuditWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await refusals.WaitToReadAsync(stoppingToken))
            {
                try
                {
                    while (await refusals.WriteQueuedAsync(stoppingToken) > 0) { }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Recording refused authorization attempts failed");
                    await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
