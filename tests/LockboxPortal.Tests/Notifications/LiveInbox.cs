using System.Collections.Concurrent;
using LockboxPortal.Application.Notifications;

namespace LockboxPortal.Tests.Notifications;

/// <summary>A subscriber that keeps what it was handed, so a test can wait for one change and then check all of them.</summary>
public sealed class LiveInbox
{
    private readonly ConcurrentQueue<PortalChange> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyCollection<PortalChange> Received => _received.ToArray();

    public Task Handle(PortalChange change)
    {
        _received.Enqueue(change);
        _arrived.Release();
        return Task.CompletedTask;
    }

    public IDisposable Subscribe(IPortalEvents events, LiveScope scope) => events.Subscribe<PortalChange>(scope, Handle);

    /// <summary>Waits until <paramref name="change"/> has arrived; fails after <paramref name="timeout"/> (5 s by default).</summary>
    public async Task WaitForAsync(PortalChange change, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!_received.Contains(change))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                Assert.Fail($"{change} did not arrive; received: {string.Join(", ", _received)}");
        }
    }
}
