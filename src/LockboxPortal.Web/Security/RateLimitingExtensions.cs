using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using LockboxPortal.Application.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Security;

/// <summary>
/// HTTP rate limits as named policies on one <see cref="RateLimiterOptions"/>; endpoints opt in with
/// <c>RequireRateLimiting(RateLimitPolicies.X)</c>. Other features add their policies with their own
/// <c>AddRateLimiter(o =&gt; o.AddPolicy(...))</c> call beside this one (the options compose); the pipeline runs
/// <c>UseRateLimiter()</c> once. Limits that must hold across instances do not use these per-process limiters:
/// sign-in (<see cref="SignInRateLimit"/>) and filing a request (<see cref="UserActionRateLimiter"/>) count in the
/// shared <see cref="IRateLimitStore"/>.
/// </summary>
public static class RateLimitingExtensions
{
    public static IServiceCollection AddPortalRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound lazily, so the values come from the finished configuration (environment, tests) at first use.
        services.AddOptions<UserRateLimit>(RateLimitPolicies.SignIn)
            .Configure(o => (o.PermitLimit, o.Window) = (20, TimeSpan.FromMinutes(1)))
            .Bind(configuration.GetSection("RateLimits:SignIn"))
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, "RateLimits:SignIn needs a positive PermitLimit and Window.")
            .ValidateOnStart();

        services.AddUnauthenticatedApiLimit(configuration);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    internal static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken ct)
    {
        // One OnRejected for the whole portal (the options hold only one): the gateway API answers in its own terms.
        if (context.HttpContext.Request.Path.StartsWithSegments("/api"))
        {
            await AccessCheckAuthentication.WriteRejectionAsync(context, ct);
            return;
        }
        await WriteTooManyAttemptsAsync(context.HttpContext,
            context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromMinutes(1), ct);
    }

    /// <summary>A 429 that says what happened and when to try again: a short page for browsers, problem JSON otherwise.</summary>
    internal static async Task WriteTooManyAttemptsAsync(HttpContext context, TimeSpan retry, CancellationToken ct)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = $"Too many attempts from your address. Nothing was changed; wait {seconds} seconds and try again.";
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LockboxPortal.RateLimiting");
        logger.LogWarning("Rate limit hit on {Path}", context.Request.Path.Value);

        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts · Lockbox Portal</title></head>" +
                $"<body><h1>Too many attempts</h1><p>{WebUtility.HtmlEncode(message)}</p><p><a href=\"/account/signin\">Back to sign-in</a></p></body></html>", ct);
        }
        else
        {
            await Results.Problem(title: "Too many requests", detail: message, statusCode: StatusCodes.Status429TooManyRequests)
                .ExecuteAsync(context);
        }
    }
}

public static class RateLimitPolicies
{
    /// <summary>The name of the sign-in limit's options (<c>RateLimits:SignIn</c>).</summary>
    public const string SignIn = "sign-in";
}

/// <summary>
/// The sign-in limit: a fixed window per client address (sign-in comes before there is a user to key on),
/// counted in the shared <see cref="IRateLimitStore"/>, so a script spreading its attempts over the instances
/// behind a load balancer meets the same limit as one hammering a single instance.
/// </summary>
public static class SignInRateLimit
{
    public static RouteHandlerBuilder RequireSignInRateLimit(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var services = http.RequestServices;
            var limit = services.GetRequiredService<IOptionsMonitor<UserRateLimit>>().Get(RateLimitPolicies.SignIn);
            var verdict = await services.GetRequiredService<IRateLimitStore>().CountAsync(
                Key(RateLimitingExtensions.ClientAddress(http)), limit, services.GetRequiredService<TimeProvider>(), http.RequestAborted);
            if (verdict.Allowed) return await next(context);
            await RateLimitingExtensions.WriteTooManyAttemptsAsync(http, verdict.RetryAfter, http.RequestAborted);
            return Results.Empty;
        });

    public static string Key(string clientAddress) => "sign-in:" + clientAddress;
}
