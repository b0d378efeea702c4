using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LockboxPortal.Web.Security;

/// <summary>
/// The Blazor hub (<c>/_blazor</c>: negotiate, the WebSocket upgrade, long polling) answers only pages of this
/// portal. Browsers send the sign-in cookie with a cross-site WebSocket, and SignalR does not check the origin
/// itself, so another site could otherwise open a circuit as the signed-in user. A request without an Origin
/// header is not from a page of another site and passes.
/// </summary>
public static class HubOriginCheck
{
    public const string HubPath = "/_blazor";

    public static IApplicationBuilder UseHubOriginCheck(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments(HubPath), hub => hub.Use(async (context, next) =>
        {
            var origin = context.Request.Headers[HeaderNames.Origin].ToString();
            if (origin.Length > 0 && !IsOwnOrigin(context, origin))
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HubOriginCheck).FullName!)
                    .LogWarning("Refused a Blazor hub request from origin {Origin}", LogText.Neutralise(origin, 200));
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("Cross-origin connections to the portal's hub are refused.");
                return;
            }
            await next(context);
        }));

    /// <summary>The request's own scheme and host, or the configured public address (behind a TLS-terminating proxy).</summary>
    public static bool IsOwnOrigin(HttpContext context, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var o)) return false;
        var own = $"{context.Request.Scheme}://{context.Request.Host.Value}";
        if (Same(o, own)) return true;
        var configured = context.RequestServices.GetRequiredService<IOptionsMonitor<PortalOptions>>().CurrentValue.PublicBaseUrl;
        return !string.IsNullOrWhiteSpace(configured) && Same(o, configured);
    }

    private static bool Same(Uri origin, string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var b)
        && string.Equals(origin.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(origin.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && origin.Port == b.Port;
}
