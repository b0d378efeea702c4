using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Security;

/// <summary>How many API calls without valid credentials one client address may make per window.</summary>
public sealed class UnauthenticatedApiLimitOptions
{
    public const string Section = "RateLimits:UnauthenticatedApi";

    public int PermitLimit { get; set; } = 10;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Limits API calls that fail authentication (a wrong API key, a bad bearer token, none at all) per client
/// address. The access-check rate limit runs after authorization and keys on the caller, so on its own it never
/// sees a caller guessing keys. This runs before authentication: an address past its limit is answered 429 without
/// its key being checked or logged, and the burst is logged once per window instead of once per guess.
/// </summary>
public sealed class UnauthenticatedApiLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _burstLogged = new();
    private readonly IOptionsMonitor<UnauthenticatedApiLimitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UnauthenticatedApiLimiter> _logger;

    public UnauthenticatedApiLimiter(IOptionsMonitor<UnauthenticatedApiLimitOptions> options, TimeProvider time, ILogger<UnauthenticatedApiLimiter> logger)
    {
        (_options, _time, _logger) = (options, time, logger);
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = _options.CurrentValue.PermitLimit, Window = _options.CurrentValue.Window, QueueLimit = 0 }));
    }

    public static bool Applies(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        // Zero permits: only asks whether the address has any failures left in this window.
        using (var probe = _limiter.AttemptAcquire(address, 0))
        {
            if (!probe.IsAcquired)
            {
                await RejectAsync(context, address);
                return;
            }
        }
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            _limiter.AttemptAcquire(address).Dispose();
    }

    private async Task RejectAsync(HttpContext context, string address)
    {
        var options = _options.CurrentValue;
        var now = _time.GetUtcNow();
        if (!_burstLogged.TryGetValue(address, out var logged) || now - logged >= options.Window)
        {
            _burstLogged[address] = now;
            _logger.LogWarning(
                "API calls without valid credentials from {RemoteIp} passed {PermitLimit} per {Window}; further calls from it are answered 429 without being checked or logged",
                address, options.PermitLimit, options.Window);
        }
        var seconds = (int)Math.Ceiling(options.Window.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        await Results.Problem(
            title: "Too many unauthenticated calls",
            detail: $"This address made more than {options.PermitLimit} API calls without valid credentials in {seconds} seconds. " +
                    $"Check the {AccessCheckAuthentication.ApiKeyHeader} header or bearer token, and retry after {seconds} seconds.",
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
    }

    public void Dispose() => _limiter.Dispose();
}

public static class UnauthenticatedApiLimiterExtensions
{
    public static IServiceCollection AddUnauthenticatedApiLimit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UnauthenticatedApiLimitOptions>()
            .Bind(configuration.GetSection(UnauthenticatedApiLimitOptions.Section))
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, $"{UnauthenticatedApiLimitOptions.Section} needs a positive PermitLimit and Window.")
            .ValidateOnStart();
        services.AddSingleton<UnauthenticatedApiLimiter>();
        return services;
    }

    /// <summary>Before UseAuthentication, so a limited address costs no key comparison and no log line.</summary>
    public static IApplicationBuilder UseUnauthenticatedApiLimit(this IApplicationBuilder app)
    {
        var limiter = app.ApplicationServices.GetRequiredService<UnauthenticatedApiLimiter>();
        return app.UseWhen(UnauthenticatedApiLimiter.Applies, api => api.Use(next => context => limiter.InvokeAsync(context, next)));
    }
}
