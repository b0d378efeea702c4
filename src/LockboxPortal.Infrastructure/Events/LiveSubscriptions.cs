using System.Collections.Immutable;
using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Events;

/// <summary>
/// This instance's subscriptions, by scope: a change reaches only the handlers of the scopes it names, so a
/// change in one tenant wakes no page of another. A handler that throws is logged and skipped; delivery never
/// waits for handlers. Shared by the in-process and the Redis notifier, which differ only in where changes
/// come from.
/// </summary>
public sealed class LiveSubscriptions(ILogger logger)
{
    private ImmutableDictionary<LiveScope, ImmutableList<Handler>> _byScope = ImmutableDictionary<LiveScope, ImmutableList<Handler>>.Empty;
    private ImmutableList<Func<PortalChange, Task>> _localCommits = [];
    private readonly Lock _gate = new();

    /// <summary>Raised (under no lock held by the caller) when a scope gets its first handler; the Redis notifier subscribes its channel then.</summary>
    public event Action<LiveScope>? ScopeOpened;

    /// <summary>Raised when a scope's last handler leaves.</summary>
    public event Action<LiveScope>? ScopeClosed;

    public int SubscriberCount => _byScope.Values.Sum(l => l.Count) + _localCommits.Count;

    public IEnumerable<LiveScope> OpenScopes => _byScope.Keys;

    public IDisposable Add<TChange>(LiveScope scope, Func<TChange, Task> handler) where TChange : PortalChange
    {
        var entry = new Handler(typeof(TChange), change => handler((TChange)change));
        bool opened;
        lock (_gate)
        {
            opened = !_byScope.ContainsKey(scope);
            _byScope = _byScope.SetItem(scope, _byScope.GetValueOrDefault(scope, []).Add(entry));
        }
        if (opened) ScopeOpened?.Invoke(scope);
        return new Subscription(() =>
        {
            bool closed;
            lock (_gate)
            {
                if (!_byScope.TryGetValue(scope, out var list)) return;
                list = list.Remove(entry);
                closed = list.IsEmpty;
                _byScope = closed ? _byScope.Remove(scope) : _byScope.SetItem(scope, list);
            }
            if (closed) ScopeClosed?.Invoke(scope);
        });
    }

    public IDisposable AddLocalCommits(Func<PortalChange, Task> handler)
    {
        ImmutableInterlocked.Update(ref _localCommits, l => l.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _localCommits, l => l.Remove(handler)));
    }

    /// <summary>A change this instance committed: its own outbox hears of it, then the pages of its scopes.</summary>
    public void DeliverLocalCommit(PortalChange change)
    {
        foreach (var handler in _localCommits) _ = InvokeAsync(handler, change);
        Deliver(change);
    }

    /// <summary>Hands <paramref name="change"/> to the handlers of each scope it names, each handler once.</summary>
    public void Deliver(PortalChange change)
    {
        var byScope = _byScope;
        HashSet<Handler>? seen = null;
        foreach (var scope in change.Scopes)
        {
            if (!byScope.TryGetValue(scope, out var handlers)) continue;
            foreach (var handler in handlers)
            {
                if (!handler.ChangeType.IsInstanceOfType(change)) continue;
                if (!(seen ??= []).Add(handler)) continue;
                _ = InvokeAsync(handler.Invoke, change);
            }
        }
    }

    /// <summary>Hands <paramref name="change"/> to the handlers of one scope only (it arrived on that scope's channel).</summary>
    public void DeliverTo(LiveScope scope, PortalChange change)
    {
        if (!change.Scopes.Contains(scope) || !_byScope.TryGetValue(scope, out var handlers)) return;
        foreach (var handler in handlers)
            if (handler.ChangeType.IsInstanceOfType(change)) _ = InvokeAsync(handler.Invoke, change);
    }

    private async Task InvokeAsync(Func<PortalChange, Task> handler, PortalChange change)
    {
        try
        {
            await handler(change);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A live-update subscriber failed for {Change}", change.GetType().Name);
        }
    }

    private sealed record Handler(Type ChangeType, Func<PortalChange, Task> Invoke)
    {
        // Each subscription is its own entry, even for the same delegate: reference identity, not value equality.
        public bool Equals(Handler? other) => ReferenceEquals(this, other);
        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
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
