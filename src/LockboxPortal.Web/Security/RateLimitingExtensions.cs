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
/// <c>UseRateLimiter()</c> once. Limits for actions taken inside a circuit (filing a request) are enforced by
/// the application service (<see cref="UserActionRateLimiter"/>), since no HTTP request carries them.
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
            // Per client address: sign-in comes before there is a user to key on.
            o.AddPolicy(RateLimitPolicies.SignIn, context =>
            {
                var signIn = context.RequestServices.GetRequiredService<IOptionsMonitor<UserRateLimit>>().Get(RateLimitPolicies.SignIn);
                return RateLimitPartition.GetFixedWindowLimiter(ClientAddress(context),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = signIn.PermitLimit, Window = signIn.Window, QueueLimit = 0 });
            });
        });
        return services;
    }

    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>A 429 that says what happened and when to try again: a short page for browsers, problem JSON otherwise.</summary>
    private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken ct)
    {
        // One OnRejected for the whole portal (the options hold only one): the gateway API answers in its own terms.
        if (context.HttpContext.Request.Path.StartsWithSegments("/api"))
        {
            await AccessCheckAuthentication.WriteRejectionAsync(context, ct);
            return;
        }
        var response = context.HttpContext.Response;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? (int)Math.Ceiling(retry.TotalSeconds) : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = $"Too many attempts from your address. Nothing was changed; wait {seconds} seconds and try again.";
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LockboxPortal.RateLimiting");
        logger.LogWarning("Rate limit hit on {Path}", context.HttpContext.Request.Path.Value);

        var accept = context.HttpContext.Request.Headers.Accept.ToString();
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
                .ExecuteAsync(context.HttpContext);
        }
    }
}

public static class RateLimitPolicies
{
    public const string SignIn = "sign-in";
}
