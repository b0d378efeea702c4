using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LockboxPortal.IdentityProvider;

/// <summary>The login page, the consent page and end-session: the parts of the provider a person sees.</summary>
internal static class EntraIdEndpoints
{
    private static readonly string[] Routes = ["oauth2/", "v2.0/", "discovery/"];

    /// <summary>
    /// <c>/{tenant}/oauth2/v2.0/...</c> becomes path base <c>/{tenant}</c> and path <c>/oauth2/v2.0/...</c>, so OpenIddict
    /// serves every tenant from one set of endpoints and derives each endpoint URI from the tenant's path.
    /// </summary>
    public static async Task SplitTenantSegment(HttpContext http, Func<Task> next)
    {
        var path = http.Request.Path.Value ?? "";
        var parts = path.TrimStart('/').Split('/', 2);
        if (parts.Length == 2 && IsTenantSegment(parts[0]) && Routes.Any(r => parts[1].StartsWith(r, StringComparison.Ordinal)))
        {
            var provider = http.RequestServices.GetRequiredService<EntraIdProvider>();
            if (Guid.TryParse(parts[0], out var tid) && !provider.Directory.KnowsTenant(tid))
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest;
                await http.Response.WriteAsJsonAsync(new { error = "invalid_tenant", error_description = $"AADSTS90002: Tenant '{tid}' not found." });
                return;
            }
            http.Request.PathBase = "/" + parts[0];
            http.Request.Path = "/" + parts[1];
            http.Items[EntraIdProvider.TenantItem] = parts[0];
        }
        await next();
    }

    private static bool IsTenantSegment(string s) =>
        Guid.TryParse(s, out _) || s is EntraIdProvider.Organizations or EntraIdProvider.Common;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/oauth2/v2.0/authorize", ["GET", "POST"], AuthorizeAsync);
        app.MapMethods("/oauth2/v2.0/logout", ["GET", "POST"], EndSessionAsync);
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext http, EntraIdProvider provider)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an authorization request.");
        var tenant = (string)http.Items[EntraIdProvider.TenantItem]!;
        var client = provider.Directory.FindApp(request.ClientId)!; // the validation handler refused unknown clients
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
        var action = form?["lp_action"].ToString();

        var user = request.HasPromptValue(PromptValues.Login) && action != "signin"
            ? null
            : provider.Directory.FindUser(provider.Sessions.UserOf(http.Request.Cookies[ProviderSessions.CookieName]) ?? Guid.Empty);

        if (action == "signin")
        {
            user = provider.Directory.FindUser(form!["username"].ToString());
            if (user is null || form["password"].ToString() != provider.Directory.Password)
                return Page(LoginPage(request, form["username"].ToString(),
                    "AADSTS50126: Your account or password is incorrect."));
            if (!TenantAdmits(tenant, user))
                return Page(LoginPage(request, user.UserName,
                    $"AADSTS50020: User account '{user.UserName}' does not exist in tenant '{tenant}'."));
            var sessionId = provider.Sessions.Start(user);
            http.Response.Cookies.Append(ProviderSessions.CookieName, sessionId, new CookieOptions
            {
                HttpOnly = true, Secure = true, SameSite = SameSiteMode.None, Path = "/",
            });
        }
        if (user is null || !TenantAdmits(tenant, user)) return Page(LoginPage(request, null, null));

        var resourceScopes = request.GetScopes().Where(EntraIdHandlers.IsResourceScope).ToArray();
        if (action == "consent")
        {
            if (form!["accept"] != "yes")
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "AADSTS65004: User declined to consent to access the app.",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            provider.Directory.Consent(user.Oid, client.ClientId, resourceScopes);
        }
        if (resourceScopes.Length > 0 && !provider.Directory.HasConsented(user.Oid, client.ClientId, resourceScopes))
            return Page(ConsentPage(request, user, client, resourceScopes));

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        foreach (var (type, value) in IdentityDirectory.UserClaims(user)) identity.AddClaim(new Claim(type, value));
        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(request.GetScopes());
        principal.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> EndSessionAsync(HttpContext http, EntraIdProvider provider)
    {
        var request = http.GetOpenIddictServerRequest();
        provider.Sessions.End(http.Request.Cookies[ProviderSessions.CookieName]);
        http.Response.Cookies.Delete(ProviderSessions.CookieName, new CookieOptions { Secure = true, SameSite = SameSiteMode.None, Path = "/" });
        if (string.IsNullOrEmpty(request?.PostLogoutRedirectUri))
            return Page("<h1 id=\"signed-out\">You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>");
        await Task.CompletedTask;
        return Results.SignOut(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>A tenant's endpoints admit its own users; organizations and common admit users of every tenant.</summary>
    private static bool TenantAdmits(string tenant, DirectoryUser user) =>
        tenant is EntraIdProvider.Organizations or EntraIdProvider.Common
        || (Guid.TryParse(tenant, out var tid) && tid == user.TenantId);

    private static string LoginPage(OpenIddictRequest request, string? userName, string? error) => $"""
        <h1>Sign in</h1>
        {(error is null ? "" : $"<p id=\"error\" role=\"alert\">{Encode(error)}</p>")}
        <form method="post" id="login">
          {HiddenFields(request)}
          <input type="hidden" name="lp_action" value="signin">
          <label for="username">Email, phone, or Skype</label>
          <input id="username" name="username" type="email" autocomplete="username" value="{Encode(userName ?? request.LoginHint ?? "")}">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password">
          <button id="signin" type="submit">Sign in</button>
        </form>
        """;

    private static string ConsentPage(OpenIddictRequest request, DirectoryUser user, AppRegistration client, string[] scopes) => $"""
        <h1>Permissions requested</h1>
        <p id="consent-app">{Encode(client.DisplayName)} wants to act on behalf of {Encode(user.UserName)}:</p>
        <ul id="consent-scopes">{string.Concat(scopes.Select(s => $"<li>{Encode(s)}</li>"))}</ul>
        <form method="post">
          {HiddenFields(request)}
          <input type="hidden" name="lp_action" value="consent">
          <button id="accept" name="accept" value="yes" type="submit">Accept</button>
          <button id="decline" name="accept" value="no" type="submit">Cancel</button>
        </form>
        """;

    private static string HiddenFields(OpenIddictRequest request) => string.Concat(request.GetParameters()
        .Where(p => p.Key is not ("lp_action" or "username" or "password" or "accept"))
        .Select(p => $"<input type=\"hidden\" name=\"{Encode(p.Key)}\" value=\"{Encode((string?)p.Value)}\">"));

    private static string Encode(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static IResult Page(string body) => Results.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head><body>{body}</body></html>",
        "text/html", Encoding.UTF8);
}
