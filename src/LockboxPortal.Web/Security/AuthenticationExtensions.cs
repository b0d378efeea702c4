using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using LockboxPortal.Web.ServicePrincipals;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Serilog.Context;

namespace LockboxPortal.Web.Security;

public static class AuthenticationExtensions
{
    public const string SignInPath = "/account/signin";
    public const string AccessDeniedPath = "/access-denied";

    /// <summary>
    /// Entra ID (Microsoft.Identity.Web) in production, or the Development persona sign-in — one claims shape,
    /// one mapper, one <see cref="ICurrentUser"/> for both.
    /// </summary>
    public static IServiceCollection AddPortalAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var mode = configuration[AuthenticationModes.ConfigKey] ?? AuthenticationModes.EntraId;
        var security = configuration.GetSection(PortalSecurityOptions.Section).Get<PortalSecurityOptions>() ?? new PortalSecurityOptions();
        services.AddOptions<PortalSecurityOptions>().Bind(configuration.GetSection(PortalSecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        if (string.Equals(mode, AuthenticationModes.Development, StringComparison.OrdinalIgnoreCase))
        {
            if (!environment.IsDevelopment())
                throw new PortalStartupException(
                    $"Authentication:Mode is 'Development', which lets anyone sign in as a demo persona, and the environment is '{environment.EnvironmentName}'. " +
                    "That mode is refused outside the Development environment. Set Authentication:Mode to 'EntraId' and fill in the AzureAd section, " +
                    "or run with ASPNETCORE_ENVIRONMENT=Development on a developer machine.");

            configuration.RefuseAzureDirectoryWithoutEntraId();
            services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
                .AddCookie(o =>
                {
                    o.LoginPath = SignInPath;
                    o.AccessDeniedPath = AccessDeniedPath;
                    o.Harden(environment, security);
                });
        }
        else if (string.Equals(mode, AuthenticationModes.EntraId, StringComparison.OrdinalIgnoreCase))
        {
            var azureAd = configuration.GetSection("AzureAd");
            if (string.IsNullOrWhiteSpace(azureAd["ClientId"]))
                throw new PortalStartupException(
                    "Authentication:Mode is 'EntraId' but AzureAd:ClientId is empty. Register the portal as an app in Entra ID and set " +
                    "AzureAd:TenantId, AzureAd:ClientId and the client secret (AzureAd__ClientSecret, never in the repository).");

            var allowedTenants = EntraIdSignIn.AllowedTenants(configuration);
            services.AddAuthentication(OpenIdConnectDefaults.AuthenticationScheme)
                .AddMicrosoftIdentityWebApp(o =>
                {
                    azureAd.Bind(o);
                    // Authorization code with PKCE: no tokens in the browser's address bar or history.
                    o.ResponseType = OpenIdConnectResponseType.Code;
                    o.UsePkce = true;
                    o.MapInboundClaims = false;
                    o.TokenValidationParameters.RoleClaimType = PortalClaimTypes.Roles;
                    o.TokenValidationParameters.NameClaimType = PortalClaimTypes.Name;
                    EntraIdSignIn.Configure(o, allowedTenants);
                }, cookie =>
                {
                    cookie.AccessDeniedPath = AccessDeniedPath;
                    cookie.Harden(environment, security);
                })
                .AddServicePrincipalTokens(configuration);
            services.PostConfigure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme, EntraIdSignIn.RequireSignedIdTokens);
            services.AddReturnUrlRecheck();
        }
        else
        {
            throw new PortalStartupException($"Authentication:Mode must be 'EntraId' or 'Development', not '{mode}'.");
        }

        services.AddSingleton<IAuthorizationHandler, PortalUserRequirementHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Customer, p => p.AddRequirements(new PortalUserRequirement(Policies.Customer, u => u.IsCustomer)))
            .AddPolicy(Policies.Approver, p => p.AddRequirements(new PortalUserRequirement(Policies.Approver, u => u.IsApprover)))
            .AddPolicy(Policies.GlobalAdministrator, p => p.AddRequirements(new PortalUserRequirement(Policies.GlobalAdministrator, u => u.IsTenantAdministrator)))
            .AddPolicy(Policies.Engineer, p => p.AddRequirements(new PortalUserRequirement(Policies.Engineer, u => u.IsEngineer)));

        services.AddAntiforgery(o =>
        {
            // Outside Development the token cookie is __Host- prefixed and HTTPS-only, like the sign-in cookie.
            o.Cookie.Name = environment.IsDevelopment() ? "lockbox.af" : "__Host-lockbox.af";
            o.Cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.Path = "/";
        });

        services.AddMemoryCache();
        services.AddSingleton<SessionRevocations>();
        services.AddScoped<PrincipalValidator>();
        services.AddCascadingAuthenticationState();
        // After AddInteractiveServerComponents' default, whichever order the composition calls them in: the
        // last registration wins.
        services.AddScoped<AuthenticationStateProvider, RevalidatingPortalAuthenticationStateProvider>();
        services.AddScoped<CircuitHandler, CurrentUserCircuitHandler>();
        return services;
    }

    public static bool IsDevelopmentSignIn(this IConfiguration configuration) =>
        string.Equals(configuration[AuthenticationModes.ConfigKey], AuthenticationModes.Development, StringComparison.OrdinalIgnoreCase);

    /// <summary>Sets the request's <see cref="CurrentUser"/> and stamps its log events with user and tenant.</summary>
    public static IApplicationBuilder UseCurrentUser(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var current = context.RequestServices.GetRequiredService<CurrentUser>();
            current.Set(context.User);
            using (LogContext.PushProperty("UserId", current.User?.Oid))
            using (LogContext.PushProperty("TenantId", current.User?.TenantId))
            {
                await next(context);
            }
        });
}
