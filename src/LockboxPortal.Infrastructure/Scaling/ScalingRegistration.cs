using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace LockboxPortal.Infrastructure.Scaling;

public static class ScalingRegistration
{
    /// <summary>
    /// With <c>Redis:Configuration</c> set: live updates, ended sessions and rate-limit counters shared through
    /// Redis, and a readiness entry that reports an outage as degraded. Without it nothing is registered here
    /// and the in-process defaults serve the single instance. Returns whether Redis is in use.
    /// </summary>
    public static bool AddRedisSharedState(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(RedisOptions.Section);
        var value = section[nameof(RedisOptions.Configuration)];
        if (string.IsNullOrWhiteSpace(value)) return false;
        try
        {
            ConfigurationOptions.Parse(value);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"Redis:Configuration is not a valid StackExchange.Redis configuration string ({ex.Message}). Use e.g. \"localhost:6379\" or " +
                "\"name.redis.cache.windows.net:6380,ssl=true,password=...\" (the password from an environment variable), or leave it empty for one instance.", ex);
        }

        services.AddOptions<RedisOptions>().Bind(section);
        services.AddSingleton<RedisConnection>();
        services.Replace(ServiceDescriptor.Singleton<IPortalEvents, RedisPortalEvents>());
        services.AddSingleton<InProcessRateLimitStore>();
        services.Replace(ServiceDescriptor.Singleton<IRateLimitStore, RedisRateLimitStore>());
        services.AddSingleton<InProcessEndedSessionStore>();
        services.Replace(ServiceDescriptor.Singleton<IEndedSessionStore, RedisEndedSessionStore>());
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        return true;
    }
}
