using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>
/// Runs the outbox dispatcher: at once when this instance commits a change that may have queued mail, and
/// otherwise every <see cref="EmailOptions.PollInterval"/> (reminders, retries, other instances' messages).
/// </summary>
internal sealed class OutboxDispatchWorker(
    OutboxDispatcher dispatcher,
    IPortalEvents events,
    IOptionsMonitor<EmailOptions> options,
    ILogger<OutboxDispatchWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var onCommit = events.SubscribeToLocalCommits(_ => Wake());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                DispatchResult round;
                do round = await dispatcher.RunOnceAsync(stoppingToken);
                while (round.Claimed >= options.CurrentValue.BatchSize);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Outbox dispatch failed; retrying at the next interval");
            }

            try
            {
                await _wake.WaitAsync(options.CurrentValue.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try { _wake.Release(); } catch (SemaphoreFullException) { }
        }
        return Task.CompletedTask;
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
