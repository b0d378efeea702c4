using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>
/// Runs a claim/lease dispatcher (the email outbox, webhook deliveries): at once when this instance commits a
/// change that may have queued work, and otherwise every poll interval (retries, reminders, other instances'
/// work). Rounds repeat while a round fills its batch; a failed round is logged and tried at the next interval.
/// </summary>
internal abstract class CommitWakenWorker(IPortalEvents events, ILogger logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>What the worker dispatches, for its log line ("Outbox", "Webhook").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan PollInterval { get; }

    /// <summary>One dispatch round; true when it claimed a full batch, so another round follows at once.</summary>
    protected abstract Task<bool> RunRoundAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var onCommit = events.SubscribeToLocalCommits(_ => Wake());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await RunRoundAsync(stoppingToken)) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{What} dispatch failed; retrying at the next interval", What);
            }

            try
            {
                await _wake.WaitAsync(PollInterval, stoppingToken);
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
