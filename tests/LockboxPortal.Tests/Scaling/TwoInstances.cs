using LockboxPortal.Infrastructure.Scaling;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace LockboxPortal.Tests.Scaling;

/// <summary>
/// Two portal instances as the composition builds them: each its own container, Redis connection and process
/// state, on one shared database and one real Redis.
/// </summary>
public sealed class TwoInstances : IAsyncDisposable
{
    private TwoInstances(PortalFixture a, PortalFixture b) => (A, B) = (a, b);

    public PortalFixture A { get; }
    public PortalFixture B { get; }

    public static async Task<TwoInstances> StartAsync(RedisServer redis, Action<IDictionary<string, string?>>? configure = null)
    {
        var a = new PortalFixture(s =>
        {
            s["Redis:Configuration"] = redis.Configuration;
            configure?.Invoke(s);
        });
        await a.InitializeAsync();
        var b = new PortalFixture(s =>
        {
            s["Redis:Configuration"] = redis.Configuration;
            s["Database:Provider"] = a.Configuration["Database:Provider"];
            s["ConnectionStrings:Lockbox"] = a.Configuration["ConnectionStrings:Lockbox"];
            configure?.Invoke(s);
        });
        return new TwoInstances(a, b);
    }

    /// <summary>Waits until <paramref name="count"/> connections listen on the live-update channel of a scope (a subscription is sent in the background).</summary>
    public static async Task WaitForListenersAsync(PortalFixture instance, string scope, int count = 1)
    {
        var redis = instance.Services.GetRequiredService<RedisConnection>();
        var channel = redis.Prefix + "live:" + scope;
        for (var i = 0; i < 300; i++)
        {
            try
            {
                var reply = (RedisResult[])(await redis.Multiplexer.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
                if ((long)reply[1] >= count) return;
            }
            catch (RedisException) { }
            await Task.Delay(50);
        }
        Assert.Fail($"No instance subscribed {channel} within 15 s.");
    }

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}
