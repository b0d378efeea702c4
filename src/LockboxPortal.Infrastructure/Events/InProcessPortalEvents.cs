using System.Collections.Immutable;
using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Events;

/// <summary>
/// One instance's fan-out of committed changes to its open circuits. A subscriber that throws is logged and
/// skipped; publishing never waits for subscribers.
/// </summary>
public sealed class InProcessPortalEvents(ILogger<InProcessPortalEvents> logger) : IPortalEvents
{
    private ImmutableList<Func<AccessRequestChanged, Task>> _requestHandlers = [];
    private ImmutableList<Func<TenantSettingsChanged, Task>> _tenantHandlers = [];

    public int SubscriberCount => _requestHandlers.Count + _tenantHandlers.Count;

    public void Publish(AccessRequestChanged change) => Fan(_requestHandlers, change);

    public void Publish(TenantSettingsChanged change) => Fan(_tenantHandlers, change);

    public IDisposable Subscribe(Func<AccessRequestChanged, Task> onRequestChanged)
    {
        ImmutableInterlocked.Update(ref _requestHandlers, l => l.Add(onRequestChanged));
        return new Subscription(() => ImmutableInterlocked.Update(ref _requestHandlers, l => l.Remove(onRequestChanged)));
    }

    public IDisposable Subscribe(Func<TenantSettingsChanged, Task> onTenantChanged)
    {
        ImmutableInterlocked.Update(ref _tenantHandlers, l => l.Add(onTenantChanged));
        return new Subscription(() => ImmutableInterlocked.Update(ref _tenantHandlers, l => l.Remove(onTenantChanged)));
    }

    private void Fan<T>(ImmutableList<Func<T, Task>> handlers, T change)
    {
        foreach (var handler in handlers)
        {
            _ = InvokeAsync(handler, change);
        }
    }

    private async Task InvokeAsync<T>(Func<T, Task> handler, T change)
    {
        try
        {
            await handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A live-update subscriber failed for {Change}", typeof(T).Name);
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
        }
    }
}
