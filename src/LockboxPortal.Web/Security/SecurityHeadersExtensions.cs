using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace LockboxPortal.Web.Security;

/// <summary>
/// Browser-side defences on every response (pages, errors, static files, 429s): a Content Security Policy
/// that fits Blazor Server and MudBlazor, and the usual companions.
/// </summary>
public static class SecurityHeadersExtensions
{
    private static readonly object NonceKey = new();

    /// <summary>The per-response nonce that lets the one inline script the portal emits (the import map) run.</summary>
    public static string CspNonce(this HttpContext context)
    {
        if (context.Items.TryGetValue(NonceKey, out var value) && value is string nonce) return nonce;
        nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        return nonce;
    }

    /// <summary>
    /// The policy. <c>script-src</c> has no <c>unsafe-eval</c> and no <c>unsafe-inline</c>: Blazor Server and
    /// MudBlazor run from files; the import map carries the nonce. <c>style-src</c> allows <c>unsafe-inline</c>
    /// because MudBlazor writes its theme as an inline &lt;style&gt; and positions popovers, drawers and grids with
    /// style attributes — styles cannot run code, and the script policy is what stops injected markup from acting.
    /// The Development Mailbox shows mail in an <c>&lt;iframe sandbox srcdoc&gt;</c>; srcdoc frames need no
    /// frame-src entry and inherit this policy, so mail HTML cannot run script either.
    /// </summary>
    public static string ContentSecurityPolicy(string nonce, bool https, string? signOutOrigin) =>
        string.Join("; ",
            "default-src 'self'",
            $"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
            // Chromium applies form-action to the redirect after a post: signing out of Entra ID posts here
            // and is redirected to the identity provider's end-session page.
            signOutOrigin is null ? "form-action 'self'" : $"form-action 'self' {signOutOrigin}")
        + (https ? "; upgrade-insecure-requests" : "");

    public static IApplicationBuilder UsePortalSecurityHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        var signOutOrigin = configuration.IsDevelopmentSignIn() ? null : Origin(configuration["AzureAd:Instance"]);
        return app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy(context.CspNonce(), context.Request.IsHttps, signOutOrigin);
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers[HeaderNames.XFrameOptions] = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                // Pages carry other people's names and decisions: never keep them in a shared cache or the
                // back/forward cache of a kiosk. Static assets set their own (immutable) caching.
                if (!headers.ContainsKey(HeaderNames.CacheControl))
                    headers[HeaderNames.CacheControl] = "no-store";
                return Task.CompletedTask;
            });
            await next(context);
        });
    }

    private static string? Origin(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Authority) : "https://login.microsoftonline.com";
}
