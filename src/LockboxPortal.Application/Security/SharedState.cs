using System.Collections.Concurrent;

namespace LockboxPortal.Application.Security;

/// <summary>One fixed window of a counter: the hits counted in it so far (this one included) and when it ends.</summary>
public readonly record struct RateWindow(long Count, DateTimeOffset EndsAt);

/// <summary>
/// Fixed-window hit counters. Shared by every portal instance when Redis is configured; otherwise kept by this
/// process, which is exact for the single-instance default.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one hit on <paramref name="key"/>; a key's window starts at its first hit.</summary>
    Task<RateWindow> HitAsync(string key, TimeSpan window, CancellationToken ct = default);
}

/// <summary>
/// Sign-in sessions ended by signing out. Shared by every instance when Redis is configured (a cookie signed
/// out on one is refused by all); otherwise kept by this process.
/// </summary>
public interface IEndedSessionStore
{
    Task EndAsync(string sessionId, TimeSpan keepFor, CancellationToken ct = default);

    Task<bool> IsEndedAsync(string sessionId, CancellationToken ct = default);

    /// <summary>Raised with the session id when a session ends here or, when shared, on another instance.</summary>
    event Action<string>? Ended;
}

/// <summary>The counters of one process, on the injected <see cref="TimeProvider"/>.</summary>
public sealed class InProcessRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private const int PruneThreshold = 10_000;
    private readonly ConcurrentDictionary<string, Window> _windows = new();

    private sealed class Window(DateTimeOffset endsAt)
    {
        public DateTimeOffset EndsAt = endsAt;
        public long Count;
    }

    public Task<RateWindow> HitAsync(string key, TimeSpan window, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        if (_windows.Count > PruneThreshold)
            foreach (var (k, w) in _windows)
                if (w.EndsAt <= now) _windows.TryRemove(k, out _);
        var current = _windows.GetOrAdd(key, _ => new Window(now + window));
        lock (current)
        {
            if (current.EndsAt <= now) (current.EndsAt, current.Count) = (now + window, 0);
            return Task.FromResult(new RateWindow(++current.Count, current.EndsAt));
        }
    }
}

/// <summary>The ended sessions of one process; each is forgotten once its cookie could no longer be valid anyway.</summary>
public sealed class InProcessEndedSessionStore(TimeProvider time) : IEndedSessionStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _ended = new();

    public event Action<string>? Ended;

    public Task EndAsync(string sessionId, TimeSpan keepFor, CancellationToken ct = default)
    {
        Remember(sessionId, keepFor);
        Ended?.Invoke(sessionId);
        return Task.CompletedTask;
    }

    /// <summary>Records the end without raising <see cref="Ended"/> (the Redis store keeps a local copy this way).</summary>
    public void Remember(string sessionId, TimeSpan keepFor)
    {
        var now = time.GetUtcNow();
        foreach (var (id, until) in _ended)
            if (until < now) _ended.TryRemove(id, out _);
        _ended[sessionId] = now + keepFor;
    }

    public Task<bool> IsEndedAsync(string sessionId, CancellationToken ct = default) => Task.FromResult(IsEnded(sessionId));

    public bool IsEnded(string sessionId) => _ended.ContainsKey(sessionId);
}
