using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Endpoints;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        var account = app.MapGroup("/account");

        if (configuration.IsDevelopmentSignIn())
        {
            account.MapPost("/dev-signin", async (HttpContext http, [FromForm] string persona, [FromForm] string? returnUrl, UserProfileService profiles) =>
            {
                var p = DemoPersonas.Find(persona);
                if (p is null) return Results.Redirect($"{AuthenticationExtensions.SignInPath}?error=unknown-persona");
                var principal = DemoPersonas.Principal(p, CookieAuthenticationDefaults.AuthenticationScheme).WithNewSession();
                if (await profiles.RecordSignInAsync(principal, http.RequestAborted) is null)
                    return Results.Redirect($"{AuthenticationExtensions.SignInPath}?error=refused");
                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
                return Results.LocalRedirect(ReturnUrls.Safe(returnUrl));
            }).AllowAnonymous().RequireSignInRateLimit();
        }
        else
        {
            account.MapGet("/signin", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = ReturnUrls.Safe(returnUrl) }, [OpenIdConnectDefaults.AuthenticationScheme]))
                .AllowAnonymous().RequireSignInRateLimit();

            // Where a call to Azure lands when the signed-in user has not consented yet (MsalUiRequiredException):
            // back to Entra ID for the provisioner's scopes, then to the page the user was on.
            account.MapGet("/consent", (HttpContext http, string? returnUrl, IOptions<AzureDirectoryOptions> azure) =>
                EntraIdSignIn.ConsentChallenge(http.User, [azure.Value.GraphScope, azure.Value.ArmScope], ReturnUrls.Safe(returnUrl)))
                .RequireAuthorization(Policies.GlobalAdministrator);
        }

        account.MapPost("/signout", async (HttpContext http, IAntiforgery antiforgery, SessionRevocations sessions, IOptionsMonitor<PortalSecurityOptions> security) =>
        {
            // A post with no bound form fields gets no automatic antiforgery check; signing someone out is a
            // state change a forged cross-site post must not make.
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest();
            // Ends this session everywhere: the cookie is removed here, and any circuit opened with it (another
            // tab) or a copy of the cookie is refused from now on.
            if (http.User.SessionIdOf() is { } sessionId)
                await sessions.EndAsync(sessionId, security.CurrentValue.SessionLifetime + TimeSpan.FromHours(1), http.RequestAborted);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!configuration.IsDevelopmentSignIn())
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]);
            return Results.LocalRedirect(AuthenticationExtensions.SignInPath);
        }).AllowAnonymous();

        return app;
    }
}
