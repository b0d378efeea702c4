using LockboxPortal.Application.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>Signs a checkpoint of the audit chain every <see cref="AuditOptions.CheckpointInterval"/> when it has grown.</summary>
internal sealed class AuditCheckpointWorker(
    AuditCheckpointer checkpointer,
    IOptionsMonitor<AuditOptions> options,
    TimeProvider time,
    ILogger<AuditCheckpointWorker> logger) : PeriodicWorker(time, logger)
{
    protected override TimeSpan Interval => options.CurrentValue.CheckpointInterval;
    protected override string WorkName => "Signing an audit checkpoint";
    protected override Task RunOnceAsync(CancellationToken ct) => checkpointer.CheckpointAsync(ct);
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
