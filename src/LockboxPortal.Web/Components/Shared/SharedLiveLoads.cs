using System.Collections.Immutable;
using System.Diagnostics;
using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>
/// One load per change for what many open pages show alike. Every open blade of a tenant shows the same first page,
/// and every navigation badge of the tenant the same count; when a change commits, each used to query for itself,
/// on the publisher's thread: with 5,000 open blades an approval cost 5,000 list + count queries and 5,000 badge
/// counts, and the approver's own page waited behind them (docs/performance.md). Here the pages that show the same
/// thing (the same <c>key</c>, which says whose rows and which query) share one watch of the scope: a change starts
/// one load, off the publisher's thread, and its answer is handed to every page of the key.
/// <para>
/// At most one load per key runs at a time. Changes that come in meanwhile make one more load after it, started no
/// sooner than <see cref="LiveUpdateOptions.SharedRefreshInterval"/> after the previous one began, and no sooner than
/// <see cref="BusyShare"/> times the previous round (load and hand-out) took: under a burst of decisions an open blade
/// shows the newest state at that pace instead of falling behind a queue of reloads, and handing one view to
/// thousands of open pages (5,000 badges re-rendered) takes at most a quarter of the time, leaving the rest to the
/// people deciding. An answer equal to the one a page already has is not handed to it again (no render, no batch).
/// Pages are handed the answer one after another on one thread: a render runs at once when its circuit is idle.
/// </para>
/// <para>
/// The load runs with the services of one of the watching pages (any: they all see the same rows, which is what the
/// key asserts), so the rows are still read through the application service that authorizes and scopes them.
/// </para>
/// </summary>
public sealed class SharedLiveLoads(IPortalEvents events, IOptions<LiveUpdateOptions> options, ILogger<SharedLiveLoads> logger)
{
    private readonly Dictionary<(LiveScope Scope, string Key, Type Type), Entry> _entries = [];
    private readonly IOptions<LiveUpdateOptions> _options = options;
    private readonly ILogger _logger = logger;
    private readonly Lock _gate = new();

    /// <summary>Keys being watched (each with one subscription to its scope, however many pages watch it).</summary>
    public int KeyCount
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    /// <summary>Loads run so far, over every key: what the sharing saves shows here.</summary>
    public long LoadCount => Interlocked.Read(ref _loads);

    private long _loads;

    /// <summary>A round of one view (load and hand-out) may take this share of the time between two rounds at most.</summary>
    public const int BusyShare = 4;

    /// <summary>
    /// Watches <paramref name="scope"/> for request changes on behalf of a page showing <paramref name="key"/>. After a
    /// change, <paramref name="load"/> (of this page or another page watching the same key) runs once and
    /// <paramref name="deliver"/> receives the answer, unless it equals the last answer this page received (or
    /// <paramref name="current"/>, what the page shows now). Dispose the watch when the page leaves or shows another key.
    /// </summary>
    public LiveWatch Watch<T>(LiveScope scope, string key, Func<CancellationToken, Task<T>> load, Func<T, Task> deliver, T? current = default) =>
        Watch(scope, key, load, (_, value) => deliver(value), current);

    /// <summary>As above; <paramref name="deliver"/> also gets the view's <see cref="LiveWatch.Name"/>.</summary>
    public LiveWatch Watch<T>(LiveScope scope, string key, Func<CancellationToken, Task<T>> load, Func<string, T, Task> deliver, T? current = default)
    {
        var watcher = new Watcher(ct => Box(load, ct), (name, value) => deliver(name, (T)value), current);
        Entry entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue((scope, key, typeof(T)), out entry!))
            {
                entry = new Entry(this, scope, key, typeof(T));
                _entries.Add((scope, key, typeof(T)), entry);
                entry.Subscription = events.Subscribe<AccessRequestChanged>(scope, entry.OnChangeAsync);
            }
            entry.Watchers = entry.Watchers.Add(watcher);
        }
        return new LiveWatch(entry.Name, entry.Key, () => Remove(entry, watcher));
    }

    private static async Task<object?> Box<T>(Func<CancellationToken, Task<T>> load, CancellationToken ct) => await load(ct);

    private void Remove(Entry entry, Watcher watcher)
    {
        IDisposable? subscription = null;
        lock (_gate)
        {
            entry.Watchers = entry.Watchers.Remove(watcher);
            if (entry.Watchers.IsEmpty && _entries.Remove((entry.Scope, entry.Key, entry.Type)))
            {
                subscription = entry.Subscription;
                entry.Closed = true;
            }
        }
        subscription?.Dispose();
    }

    private sealed class Entry(SharedLiveLoads owner, LiveScope scope, string key, Type type)
    {
        public LiveScope Scope { get; } = scope;
        public string Key { get; } = key;
        public Type Type { get; } = type;
        /// <summary>Scope and key in one string, one instance for every page of the view (5,000 blades: one string).</summary>
        public string Name { get; } = $"{scope}|{key}";
        public ImmutableList<Watcher> Watchers = [];
        public IDisposable? Subscription;
        public bool Closed;

        private readonly Lock _gate = new();
        private bool _running, _again;
        private long _lastStart = long.MinValue;
        private TimeSpan _gap;

        /// <summary>Called on the publisher's thread: it only marks the entry and, if idle, starts a load elsewhere.</summary>
        public Task OnChangeAsync(AccessRequestChanged change)
        {
            lock (_gate)
            {
                if (_running)
                {
                    _again = true;
                    return Task.CompletedTask;
                }
                _running = true;
            }
            _ = Task.Run(RunAsync);
            return Task.CompletedTask;
        }

        private async Task RunAsync()
        {
            while (true)
            {
                var since = _lastStart == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_lastStart);
                if (since < _gap) await Task.Delay(_gap - since);
                _lastStart = Stopwatch.GetTimestamp();

                if (!Closed) await LoadAndDeliverAsync();
                var took = Stopwatch.GetElapsedTime(_lastStart);
                var interval = owner._options.Value.SharedRefreshInterval;
                _gap = took * BusyShare > interval ? took * BusyShare : interval;

                lock (_gate)
                {
                    if (!_again || Closed)
                    {
                        _running = _again = false;
                        return;
                    }
                    _again = false;
                }
            }
        }

        private async Task LoadAndDeliverAsync()
        {
            // Any watcher's load gives the same answer; if that page is going away as it runs, the next one's is used.
            object? value = null;
            var loaded = false;
            foreach (var watcher in Watchers)
            {
                try
                {
                    Interlocked.Increment(ref owner._loads);
                    value = await watcher.Load(CancellationToken.None);
                    loaded = true;
                    break;
                }
                catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
                {
                    // That page's services went with its circuit: try another page of the key.
                }
                catch (Exception ex)
                {
                    owner._logger.LogWarning(ex, "A shared live load failed for {Scope}; the open pages keep what they show until the next change", Scope);
                    return;
                }
            }
            if (!loaded) return;

            var deliveries = new List<Task>();
            foreach (var watcher in Watchers)
            {
                if (Equals(watcher.Seen, value)) continue;
                watcher.Seen = value;
                deliveries.Add(DeliverAsync(watcher, value!));
            }
            await Task.WhenAll(deliveries);
        }

        private async Task DeliverAsync(Watcher watcher, object value)
        {
            try
            {
                await watcher.Deliver(Name, value);
            }
            catch (Exception ex)
            {
                owner._logger.LogDebug(ex, "A page went away while a shared live load was handed to it");
            }
        }
    }

    private sealed class Watcher(Func<CancellationToken, Task<object?>> load, Func<string, object, Task> deliver, object? seen)
    {
        public Func<CancellationToken, Task<object?>> Load { get; } = load;
        public Func<string, object, Task> Deliver { get; } = deliver;
        public object? Seen { get; set; } = seen;
    }

}

/// <summary>One page's watch of a view; <see cref="Name"/> is the view's scope and key, shared by its pages.</summary>
public sealed class LiveWatch(string name, string key, Action dispose) : IDisposable
{
    private int _disposed;

    public string Name { get; } = name;

    /// <summary>The key as the view holds it (one instance for all its pages).</summary>
    public string Key { get; } = key;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) dispose();
    }
}

/// <summary>How open pages follow committed changes (section <c>LiveUpdates</c>).</summary>
public sealed class LiveUpdateOptions
{
    public const string Section = "LiveUpdates";

    /// <summary>
    /// The shortest time between two shared loads of the same view (the blade's page, the badge's count) while changes
    /// keep coming. The first change after a quiet spell loads at once; a burst is shown at this pace. Default 1 s.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:01:00",
        ErrorMessage = "LiveUpdates:SharedRefreshInterval must be between 00:00:00 and 00:01:00.")]
    public TimeSpan SharedRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// A page's one watch on <see cref="SharedLiveLoads"/>, moved when the page shows something else (another page of
/// rows, other filters, another user): watching the same scope and key again is a no-op.
/// </summary>
public sealed class LiveView : IDisposable
{
    private IDisposable? _watch;
    private LiveScope? _scope;
    private string? _key;
    private bool _disposed;

    /// <summary>The scope and key watched now; a delivery for any other is stale and must be dropped.</summary>
    public string? Current { get; private set; }

    /// <summary>Watches <paramref name="key"/> of <paramref name="scope"/> (nothing when the scope is null); returns the watch's name.</summary>
    public string? Watch<T>(SharedLiveLoads loads, LiveScope? scope, string key, Func<CancellationToken, Task<T>> load,
        Func<string, T, Task> deliver, T? current = default)
    {
        if (_disposed) return null;
        if (scope == _scope && key == _key) return Current;
        _watch?.Dispose();
        _watch = null;
        (_scope, _key, Current) = (scope, key, null);
        if (scope is not { } watched) return null;
        var watch = loads.Watch(watched, key, load, deliver, current);
        (_watch, _key) = (watch, watch.Key);
        return Current = watch.Name;
    }

    public void Dispose()
    {
        _disposed = true;
        Current = null;
        _watch?.Dispose();
    }
}
