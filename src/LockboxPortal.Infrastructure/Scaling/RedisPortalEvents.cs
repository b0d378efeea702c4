using System.Collections.Concurrent;
using System.Text.Json;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Infrastructure.Events;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LockboxPortal.Infrastructure.Scaling;

/// <summary>
/// Live updates across instances through Redis pub/sub, one channel per scope (<c>lockbox:live:tenant:…</c>,
/// <c>…engineer:…</c>, <c>…request:…</c>, <c>…ticket:…</c>). An instance subscribes a channel while one of its
/// pages shows that scope, so it receives only what its pages show. A change is delivered to this instance's
/// pages at once and published for the others; without Redis, this instance's pages still get it (degraded,
/// see <see cref="RedisConnection"/>), and the channels are subscribed again when Redis returns.
/// </summary>
public sealed class RedisPortalEvents : IPortalEvents, IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisConnection _redis;
    private readonly ILogger<RedisPortalEvents> _logger;
    private readonly LiveSubscriptions _subscriptions;
    private readonly ConcurrentDictionary<LiveScope, Action<RedisChannel, RedisValue>> _channels = new();

    public RedisPortalEvents(RedisConnection redis, ILogger<RedisPortalEvents> logger)
    {
        _redis = redis;
        _logger = logger;
        _subscriptions = new LiveSubscriptions(logger);
        _subscriptions.ScopeOpened += Open;
        _subscriptions.ScopeClosed += Close;
        _redis.Restored += ResubscribeAll;
    }

    public int SubscriberCount => _subscriptions.SubscriberCount;

    public void Publish(PortalChange change)
    {
        _subscriptions.DeliverLocalCommit(change);
        var message = JsonSerializer.Serialize(new Envelope(_redis.InstanceId, change), Json);
        var subscriber = _redis.Multiplexer.GetSubscriber();
        foreach (var scope in change.Scopes)
            _ = PublishAsync(subscriber, Channel(scope), message);
    }

    public IDisposable Subscribe<TChange>(LiveScope scope, Func<TChange, Task> handler) where TChange : PortalChange =>
        _subscriptions.Add(scope, handler);

    public IDisposable SubscribeToLocalCommits(Func<PortalChange, Task> handler) => _subscriptions.AddLocalCommits(handler);

    private RedisChannel Channel(LiveScope scope) => _redis.Channel($"live:{scope}");

    private async Task PublishAsync(ISubscriber subscriber, RedisChannel channel, string message)
    {
        try
        {
            await subscriber.PublishAsync(channel, message);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.Failed(ex);
        }
    }

    private void Open(LiveScope scope)
    {
        var handler = _channels.GetOrAdd(scope, s => (_, value) => OnMessage(s, value));
        _ = SubscribeAsync(scope, handler);
    }

    private void Close(LiveScope scope)
    {
        if (!_channels.TryRemove(scope, out var handler)) return;
        _ = UnsubscribeAsync(scope, handler);
    }

    private async Task SubscribeAsync(LiveScope scope, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await _redis.Multiplexer.GetSubscriber().SubscribeAsync(Channel(scope), handler);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.Failed(ex); // subscribed again when Redis returns
        }
    }

    private async Task UnsubscribeAsync(LiveScope scope, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            await _redis.Multiplexer.GetSubscriber().UnsubscribeAsync(Channel(scope), handler);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.Failed(ex);
        }
    }

    /// <summary>After an outage: every scope a page still shows, subscribed once (a stale registration is removed first).</summary>
    private void ResubscribeAll()
    {
        foreach (var (scope, handler) in _channels)
            _ = ResubscribeAsync(scope, handler);
    }

    private async Task ResubscribeAsync(LiveScope scope, Action<RedisChannel, RedisValue> handler)
    {
        await UnsubscribeAsync(scope, handler);
        if (_channels.TryGetValue(scope, out var current) && ReferenceEquals(current, handler))
            await SubscribeAsync(scope, handler);
    }

    private void OnMessage(LiveScope scope, RedisValue value)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(value.ToString(), Json);
        }
        catch (JsonException ex)
        {
            _logger.LogWarning(ex, "Ignored a live-update message that is not a portal change on {Scope}", scope.Kind);
            return;
        }
        if (envelope?.Change is null || envelope.Origin == _redis.InstanceId) return; // this instance delivered its own at once
        _subscriptions.DeliverTo(scope, envelope.Change);
    }

    public void Dispose()
    {
        _redis.Restored -= ResubscribeAll;
        _subscriptions.ScopeOpened -= Open;
        _subscriptions.ScopeClosed -= Close;
    }

    private sealed record Envelope(Guid Origin, PortalChange Change);
}
