using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Security;

/// <summary>Session rules (<c>Security</c> section).</summary>
public sealed class PortalSecurityOptions
{
    public const string Section = "Security";

    /// <summary>
    /// How often an open circuit re-checks its user, and how long an HTTP request may rely on the last check:
    /// the longest a removed role or a removed user keeps working.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Lifetime of the sign-in cookie (sliding).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}

public static class SessionClaims
{
    /// <summary>One id per sign-in, so signing out can end exactly that session everywhere it is open.</summary>
    public const string SessionId = "lockbox_sid";

    public static ClaimsPrincipal WithNewSession(this ClaimsPrincipal principal)
    {
        if (principal.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == SessionId))
            identity.AddClaim(new Claim(SessionId, Guid.NewGuid().ToString("N")));
        return principal;
    }

    public static string? SessionIdOf(this ClaimsPrincipal? principal) => principal?.FindFirst(SessionId)?.Value;
}

/// <summary>
/// Sessions ended by signing out. Cookies are self-contained, so without this list a copied cookie — or a
/// circuit opened before the sign-out — would keep working until it expired. The list lives in the
/// <see cref="IEndedSessionStore"/>: Redis when configured, so every instance refuses the cookie and drops
/// the circuits it holds; this process's memory for the single-instance default.
/// </summary>
public sealed class SessionRevocations(IEndedSessionStore store)
{
    /// <summary>Raised with the session id when a session ends (here or on another instance), so open circuits can drop it at once.</summary>
    public event Action<string>? Ended
    {
        add => store.Ended += value;
        remove => store.Ended -= value;
    }

    public Task EndAsync(string sessionId, TimeSpan keepFor, CancellationToken ct = default) => store.EndAsync(sessionId, keepFor, ct);

    public Task<bool> IsEndedAsync(string sessionId, CancellationToken ct = default) => store.IsEndedAsync(sessionId, ct);
}

/// <summary>
/// Decides whether a signed-in principal may still act: its session was not ended, the user is still known,
/// and it claims no privilege the portal's record of the user no longer shows. The record (UserProfiles) is
/// rewritten from the token at every sign-in, and is where a removed role or user lands first.
/// </summary>
public sealed class PrincipalValidator(
    PortalClaimsMapper mapper,
    SessionRevocations revocations,
    ILockboxDbContextFactory dbFactory,
    IMemoryCache cache,
    IOptionsMonitor<PortalSecurityOptions> options,
    IConfiguration configuration)
{
    public async Task<bool> IsStillValidAsync(ClaimsPrincipal principal, bool useCache, CancellationToken ct)
    {
        if (principal.Identity?.IsAuthenticated != true) return true;
        var sessionId = principal.SessionIdOf();
        if (sessionId is null || await revocations.IsEndedAsync(sessionId, ct)) return false;
        var user = mapper.Map(principal);
        if (user is null) return false;
        if (configuration.IsDevelopmentSignIn() && !DemoPersonas.All.Any(p => p.Oid == user.Oid && p.TenantId == user.TenantId)) return false;

        var key = ("principal-valid", sessionId, user.IsGlobalAdministrator, user.HasApproverRole, user.Kind);
        if (useCache && cache.TryGetValue(key, out bool known)) return known;
        var valid = await CheckAgainstRecordAsync(user, ct);
        cache.Set(key, valid, options.CurrentValue.RevalidationInterval);
        return valid;
    }

    private async Task<bool> CheckAgainstRecordAsync(PortalUser user, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var profile = await db.UserProfiles.AsNoTracking().SingleOrDefaultAsync(p => p.Oid == user.Oid, ct);
        if (profile is null || profile.TenantId != user.TenantId) return false;
        if (user.IsGlobalAdministrator && !profile.IsGlobalAdministrator) return false;
        if (user.HasApproverRole && !profile.IsApprover) return false;
        if (user.IsEngineer && !profile.IsEngineer) return false;
        return true;
    }
}

/// <summary>
/// Names the sign-in cookie <c>__Host-lockbox.auth</c> (Secure, Path=/, no Domain: the browser then refuses
/// it from plain HTTP and from sibling hosts) on HTTPS and everywhere outside Development, and plain
/// <c>lockbox.auth</c> only for Development over http://localhost, where a <c>__Host-</c> cookie cannot be set.
/// </summary>
public sealed class HostPrefixCookieManager(bool developmentHttpAllowed) : ICookieManager
{
    private const string Prefix = "__Host-";
    private readonly ChunkingCookieManager _inner = new();

    private bool Secure(HttpContext context) => context.Request.IsHttps || !developmentHttpAllowed;

    private string Name(HttpContext context, string key) => Secure(context) ? Prefix + key : key;

    private CookieOptions Harden(HttpContext context, CookieOptions options)
    {
        if (!Secure(context)) return options;
        options.Secure = true;
        options.Path = "/";
        options.Domain = null;
        return options;
    }

    public string? GetRequestCookie(HttpContext context, string key) => _inner.GetRequestCookie(context, Name(context, key));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
        _inner.AppendResponseCookie(context, Name(context, key), value, Harden(context, options));

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        _inner.DeleteCookie(context, Name(context, key), Harden(context, options));
}

public static class SessionSecurityExtensions
{
    public const string AuthCookieName = "lockbox.auth";

    /// <summary>Cookie rules shared by both authentication modes.</summary>
    public static void Harden(this CookieAuthenticationOptions o, IHostEnvironment environment, PortalSecurityOptions security)
    {
        o.Cookie.Name = AuthCookieName;
        o.Cookie.HttpOnly = true;
        // Lax, not Strict: a person following the link in an approval email arrives signed in, and the
        // OpenID Connect callback is a cross-site navigation. Every state-changing post also needs antiforgery.
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        o.CookieManager = new HostPrefixCookieManager(developmentHttpAllowed: environment.IsDevelopment());
        o.ExpireTimeSpan = security.SessionLifetime;
        o.SlidingExpiration = true;
        var validatePrincipal = o.Events.OnValidatePrincipal;
        o.Events.OnValidatePrincipal = async context =>
        {
            await validatePrincipal(context);
            if (context.Principal is null) return;
            var validator = context.HttpContext.RequestServices.GetRequiredService<PrincipalValidator>();
            if (!await validator.IsStillValidAsync(context.Principal, useCache: true, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(context.Scheme.Name);
            }
        };
    }
}
