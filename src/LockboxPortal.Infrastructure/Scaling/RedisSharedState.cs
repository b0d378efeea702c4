using LockboxPortal.Application.Security;
using StackExchange.Redis;

namespace LockboxPortal.Infrastructure.Scaling;

/// <summary>
/// Rate-limit windows in Redis, counted by every instance together: one atomic script increments the key and
/// starts its window at the first hit. While Redis is unreachable each instance counts on its own (degraded,
/// logged once): a limit that holds per instance beats refusing every user.
/// </summary>
public sealed class RedisRateLimitStore(RedisConnection redis, InProcessRateLimitStore fallback, TimeProvider time) : IRateLimitStore
{
    private static readonly LuaScript Hit = LuaScript.Prepare(
        """
        local count = redis.call('INCR', @key)
        local ttl = redis.call('PTTL', @key)
        if count == 1 or ttl < 0 then
          redis.call('PEXPIRE', @key, @windowMs)
          ttl = tonumber(@windowMs)
        end
        return { count, ttl }
        """);

    public async Task<RateWindow> HitAsync(string key, TimeSpan window, CancellationToken ct = default)
    {
        if (redis.IsAvailable)
        {
            try
            {
                var result = (RedisResult[])(await redis.Multiplexer.GetDatabase().ScriptEvaluateAsync(Hit,
                    new { key = redis.Key("rate:" + key), windowMs = (long)Math.Ceiling(window.TotalMilliseconds) }))!;
                return new RateWindow((long)result[0], time.GetUtcNow() + TimeSpan.FromMilliseconds((long)result[1]));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                redis.Failed(ex);
            }
        }
        return await fallback.HitAsync(key, window, ct);
    }
}

/// <summary>
/// Ended sessions in Redis (a key per session that expires with the cookie's last possible use) and announced
/// on a channel, so every instance refuses the cookie and drops the circuits that hold it. This instance also
/// keeps its own copy: what was signed out here stays refused here while Redis is down.
/// </summary>
public sealed class RedisEndedSessionStore : IEndedSessionStore, IDisposable
{
    private readonly RedisConnection _redis;
    private readonly InProcessEndedSessionStore _local;
    private readonly RedisChannel _channel;

    public RedisEndedSessionStore(RedisConnection redis, InProcessEndedSessionStore local)
    {
        _redis = redis;
        _local = local;
        _channel = redis.Channel("sessions:ended");
        _ = SubscribeAsync();
        _redis.Restored += Resubscribe;
    }

    public event Action<string>? Ended;

    public async Task EndAsync(string sessionId, TimeSpan keepFor, CancellationToken ct = default)
    {
        _local.Remember(sessionId, keepFor);
        Ended?.Invoke(sessionId);
        try
        {
            var db = _redis.Multiplexer.GetDatabase();
            await db.StringSetAsync(Key(sessionId), _redis.InstanceId.ToString("N"), keepFor);
            await _redis.Multiplexer.GetSubscriber().PublishAsync(_channel, sessionId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _redis.Failed(ex);
        }
    }

    public async Task<bool> IsEndedAsync(string sessionId, CancellationToken ct = default)
    {
        if (_local.IsEnded(sessionId)) return true;
        if (!_redis.IsAvailable) return false;
        try
        {
            return await _redis.Multiplexer.GetDatabase().KeyExistsAsync(Key(sessionId));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _redis.Failed(ex);
            return false;
        }
    }

    private RedisKey Key(string sessionId) => _redis.Key("session-ended:" + sessionId);

    private void OnEnded(RedisChannel _, RedisValue sessionId)
    {
        if (sessionId.HasValue) Ended?.Invoke(sessionId.ToString());
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _redis.Multiplexer.GetSubscriber().SubscribeAsync(_channel, OnEnded);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.Failed(ex);
        }
    }

    private void Resubscribe() => _ = ResubscribeAsync();

    private async Task ResubscribeAsync()
    {
        try
        {
            await _redis.Multiplexer.GetSubscriber().UnsubscribeAsync(_channel, OnEnded);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _redis.Failed(ex);
            return;
        }
        await SubscribeAsync();
    }

    public void Dispose()
    {
        _redis.Restored -= Resubscribe;
        try { _redis.Multiplexer.GetSubscriber().Unsubscribe(_channel, OnEnded); }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException) { }
    }
}
