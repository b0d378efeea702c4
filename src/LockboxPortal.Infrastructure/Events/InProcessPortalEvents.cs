using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Events;

/// <summary>
/// One instance's fan-out of committed changes to its open circuits, by scope: the single-instance default.
/// Publishing never waits for subscribers.
/// </summary>
public sealed class InProcessPortalEvents(ILogger<InProcessPortalEvents> logger) : IPortalEvents
{
    private readonly LiveSubscriptions _subscriptions = new(logger);

    public int SubscriberCount => _subscriptions.SubscriberCount;

    public void Publish(PortalChange change) => _subscriptions.DeliverLocalCommit(change);

    public IDisposable Subscribe<TChange>(LiveScope scope, Func<TChange, Task> handler) where TChange : PortalChange =>
        _subscriptions.Add(scope, handler);

    public IDisposable SubscribeToLocalCommits(Func<PortalChange, Task> handler) => _subscriptions.AddLocalCommits(handler);
}
