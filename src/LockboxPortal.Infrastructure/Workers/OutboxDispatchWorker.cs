using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Workers;

/// <summary>Runs the outbox dispatcher (see <see cref="CommitWakenWorker"/>) every <see cref="EmailOptions.PollInterval"/> at the latest.</summary>
internal sealed class OutboxDispatchWorker(
    OutboxDispatcher dispatcher,
    IPortalEvents events,
    IOptionsMonitor<EmailOptions> options,
    ILogger<OutboxDispatchWorker> logger) : CommitWakenWorker(events, logger)
{
    protected override string What => "Outbox";
    protected override TimeSpan PollInterval => options.CurrentValue.PollInterval;

    protected override async Task<bool> RunRoundAsync(CancellationToken ct) =>
        (await dispatcher.RunOnceAsync(ct)).Claimed >= options.CurrentValue.BatchSize;
}
