using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LockboxPortal.Infrastructure.Scaling;

/// <summary>The <c>Redis</c> section: set <see cref="Configuration"/> to share state between portal instances.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>cache.example.net:6380,ssl=true,password=…</c>. Empty: one instance, state in process.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel, so several portals can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "lockbox:";
}

/// <summary>
/// The one Redis connection of this instance. It connects in the background and keeps reconnecting, so the
/// portal starts and serves while Redis is down; the outage is logged once when it starts and once when it
/// ends, and read by the readiness check. Callers fall back to this instance's own state meanwhile.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private DateTimeOffset? _downSince;
    private string? _lastError;

    public RedisConnection(IOptions<RedisOptions> options, TimeProvider time, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        _time = time;
        Prefix = options.Value.KeyPrefix;
        var configuration = ConfigurationOptions.Parse(options.Value.Configuration!);
        configuration.AbortOnConnectFail = false; // start (and keep serving) without Redis; reconnect on its own
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 5000);
        // Try again every second, not with a growing back-off: live updates come back within a second of Redis.
        configuration.ReconnectRetryPolicy ??= new LinearRetry(1000);
        configuration.ClientName ??= $"lockbox-portal-{Environment.MachineName}-{Environment.ProcessId}";
        Multiplexer = ConnectionMultiplexer.Connect(configuration);
        Multiplexer.ConnectionFailed += (_, e) => MarkDown(e.Exception?.Message ?? e.FailureType.ToString());
        Multiplexer.ConnectionRestored += (_, _) => MarkUp();
        if (!Multiplexer.IsConnected) MarkDown("no connection at start");
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public string Prefix { get; }

    /// <summary>This process, as named in what it publishes (so it can ignore its own messages).</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    public bool IsAvailable => Multiplexer.IsConnected;

    /// <summary>Raised when the connection comes back, after an outage.</summary>
    public event Action? Restored;

    public RedisChannel Channel(string name) => RedisChannel.Literal(Prefix + name);

    public RedisKey Key(string name) => Prefix + name;

    /// <summary>Records a failed call (logged only if it starts an outage); the caller carries on without Redis.</summary>
    public void Failed(Exception ex) => MarkDown(ex.Message);

    private void MarkDown(string reason)
    {
        lock (_gate)
        {
            _lastError = reason;
            if (_downSince is not null) return;
            _downSince = _time.GetUtcNow();
        }
        _logger.LogWarning("Redis is unreachable ({Reason}): live updates reach only this instance's pages and rate limits count per instance until it returns", reason);
    }

    private void MarkUp()
    {
        if (!Multiplexer.IsConnected) return;
        lock (_gate)
        {
            if (_downSince is null) return;
            _downSince = null;
            _lastError = null; // the next outage names its own cause
        }
        _logger.LogInformation("Redis is reachable again: live updates, ended sessions and rate limits are shared");
        Restored?.Invoke();
    }

    public HealthCheckResult Health()
    {
        if (Multiplexer.IsConnected)
        {
            MarkUp();
            return HealthCheckResult.Healthy("Redis connected: live updates, ended sessions and rate limits are shared by every instance.");
        }
        // The readiness probe can see the connection down before the multiplexer's ConnectionFailed event: the outage
        // starts here then, and is logged here (setting the start without the warning left the outage unlogged).
        string? error;
        lock (_gate) error = _lastError;
        MarkDown(error ?? "the connection is down");
        DateTimeOffset? since;
        lock (_gate) (since, error) = (_downSince, _lastError);
        return HealthCheckResult.Degraded(
            $"Redis unreachable since {since:u} ({error}): live updates reach only this instance's pages; sign-outs and rate limits " +
            "are enforced by this instance alone until Redis returns.");
    }

    public void Dispose() => Multiplexer.Dispose();
}

/// <summary>Ready stays true without Redis (the portal serves); the detail says what is degraded.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.Health());
}
