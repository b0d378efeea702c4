using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore;
using OpenIddict.Server.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LockboxPortal.IdentityProvider;

/// <summary>
/// What makes OpenIddict's server answer like Entra ID: clients and secrets from the directory, per-tenant issuers,
/// one resource per access token (its <c>aud</c>), app roles in client-credential tokens, consent per resource scope
/// (AADSTS65001 as <c>invalid_grant</c> with <c>suberror=consent_required</c>, which MSAL turns into
/// MsalUiRequiredException), and <c>client_info</c> in token responses as MSAL expects.
/// </summary>
internal static class EntraIdHandlers
{
    private static readonly HashSet<string> OpenIdScopes = new(StringComparer.OrdinalIgnoreCase)
        { Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess };

    /// <summary>A scope that names a resource (<c>https://graph.microsoft.com/.default</c>, <c>api://{id}/x</c>), not an OpenID scope.</summary>
    public static bool IsResourceScope(string scope) => !OpenIdScopes.Contains(scope);

    private static string ResourceOf(string scope)
    {
        var slash = scope.LastIndexOf('/');
        return slash > "https://".Length ? scope[..slash] : scope;
    }

    public static void Register(OpenIddictServerBuilder o)
    {
        o.AddEventHandler<ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(context =>
        {
            var app = Provider(context.Transaction).Directory.FindApp(context.ClientId);
            if (app is null)
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{context.ClientId}' was not found in the directory.");
            else if (!app.RedirectUris.Contains(context.RedirectUri ?? ""))
                context.Reject(Errors.InvalidRequest, $"AADSTS50011: The redirect URI '{context.RedirectUri}' does not match the redirect URIs configured for the application.");
            return default;
        }));

        o.AddEventHandler<ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
        {
            var app = Provider(context.Transaction).Directory.FindApp(context.ClientId);
            if (app is null)
                context.Reject(Errors.InvalidClient, $"AADSTS700016: Application with identifier '{context.ClientId}' was not found in the directory.");
            else if (!string.Equals(context.ClientSecret, app.Secret, StringComparison.Ordinal))
                context.Reject(Errors.InvalidClient, "AADSTS7000215: Invalid client secret provided.");
            else if (context.Request.IsClientCredentialsGrantType() && !Guid.TryParse(TenantOf(context.Transaction), out _))
                context.Reject(Errors.InvalidRequest, "AADSTS90002: Use a tenant-specific endpoint for the client credentials flow.");
            return default;
        }));

        o.AddEventHandler<ValidateEndSessionRequestContext>(b => b.UseInlineHandler(context =>
        {
            var uri = context.PostLogoutRedirectUri;
            if (!string.IsNullOrEmpty(uri) && !Provider(context.Transaction).Directory.IsPostLogoutRedirectUri(uri))
                context.Reject(Errors.InvalidRequest, $"AADSTS50011: The post-logout redirect URI '{uri}' is not registered.");
            return default;
        }));

        o.AddEventHandler<HandleTokenRequestContext>(b => b
            .SetOrder(OpenIddictServerHandlers.Exchange.AttachPrincipal.Descriptor.Order + 1_000)
            .UseInlineHandler(context =>
            {
                var provider = Provider(context.Transaction);
                var app = provider.Directory.FindApp(context.ClientId)!;
                var requested = context.Request.GetScopes();
                if (context.Request.IsClientCredentialsGrantType())
                {
                    var resource = requested.Where(IsResourceScope).Select(ResourceOf).FirstOrDefault();
                    var target = resource is null ? null : provider.Directory.FindResourceApp(resource);
                    var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
                    identity.AddClaim(new Claim(Claims.Subject, app.ServicePrincipalId.ToString()));
                    identity.AddClaim(new Claim("oid", app.ServicePrincipalId.ToString()));
                    identity.AddClaim(new Claim("tid", TenantOf(context.Transaction)!));
                    identity.AddClaim(new Claim("appid", app.ClientId.ToString()));
                    identity.AddClaim(new Claim("idtyp", "app"));
                    identity.AddClaim(new Claim("ver", "2.0"));
                    if (target is not null && app.AppRoleAssignments.TryGetValue(target.ClientId, out var roles))
                        foreach (var role in roles) identity.AddClaim(new Claim("roles", role));
                    var principal = new ClaimsPrincipal(identity);
                    principal.SetScopes(requested);
                    principal.SetDestinations(_ => [Destinations.AccessToken]);
                    context.SignIn(principal);
                    return default;
                }

                // Authorization code and refresh token: the user must have consented to every resource scope asked for.
                var scopes = (requested.IsDefaultOrEmpty ? context.Principal!.GetScopes() : requested).Where(IsResourceScope).ToArray();
                if (Guid.TryParse(context.Principal?.GetClaim("oid"), out var oid) && !provider.Directory.HasConsented(oid, app.ClientId, scopes))
                {
                    context.Reject(Errors.InvalidGrant,
                        $"AADSTS65001: The user or administrator has not consented to use the application with ID '{app.ClientId}' named " +
                        $"'{app.DisplayName}'. Send an interactive authorization request for this user and resource.");
                    return default;
                }
                if (!requested.IsDefaultOrEmpty) context.Principal!.SetScopes(requested);
                return default;
            }));

        o.AddEventHandler<ProcessSignInContext>(b => b
            .SetOrder(OpenIddictServerHandlers.PrepareIdentityTokenPrincipal.Descriptor.Order + 1)
            .UseInlineHandler(context =>
            {
                var provider = Provider(context.Transaction);
                if (!Guid.TryParse(context.Principal?.GetClaim("tid"), out var tid)) return default;
                var issuer = provider.IssuerOf(tid);
                context.IdentityTokenPrincipal?.SetClaim(Claims.Private.Issuer, issuer);
                if (context.AccessTokenPrincipal is { } access)
                {
                    access.SetClaim(Claims.Private.Issuer, issuer);
                    var scopes = access.GetScopes().Where(IsResourceScope).ToArray();
                    var resource = scopes.Select(ResourceOf).FirstOrDefault() ?? "https://graph.microsoft.com";
                    // v2.0 tokens for an app's own API carry its client id as audience; Microsoft APIs keep their URI.
                    access.SetAudiences(provider.Directory.FindResourceApp(resource)?.ClientId.ToString() ?? resource);
                    access.SetClaim("azp", context.ClientId);
                    if (access.GetClaim("idtyp") != "app")
                    {
                        var names = scopes.Where(s => ResourceOf(s) == resource).Select(s => s[(resource.Length + 1)..])
                            .Select(s => s == ".default" ? "user_impersonation" : s).Distinct();
                        access.SetClaim("scp", string.Join(' ', names));
                    }
                }
                if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Principal!.GetClaim("idtyp") != "app")
                {
                    // MSAL keys its token cache by client_info (home object id and tenant id).
                    var info = JsonSerializer.Serialize(new { uid = context.Principal.GetClaim("oid"), utid = tid.ToString() });
                    context.Parameters["client_info"] = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(info));
                }
                return default;
            }));

        o.AddEventHandler<ApplyTokenResponseContext>(b => b
            .SetOrder(int.MinValue + 50_000)
            .UseInlineHandler(context =>
            {
                if (context.Response.ErrorDescription?.StartsWith("AADSTS65001", StringComparison.Ordinal) == true)
                    context.Response["suberror"] = "consent_required";
                var provider = Provider(context.Transaction);
                if (context.Response.IdToken is { } idToken && provider.TamperNextIdentityToken is { } tamper)
                {
                    provider.TamperNextIdentityToken = null;
                    context.Response.IdToken = tamper(idToken);
                }
                return default;
            }));

        o.AddEventHandler<ApplyConfigurationResponseContext>(b => b
            .SetOrder(int.MinValue + 50_000)
            .UseInlineHandler(context =>
            {
                // Entra's issuer shape: the tenant's own, or a {tenantid} template on the multi-tenant endpoints.
                var tenant = TenantOf(context.Transaction);
                if (tenant is null || context.Response.Error is not null) return default;
                var provider = Provider(context.Transaction);
                context.Response[Metadata.Issuer] = Guid.TryParse(tenant, out var tid) ? provider.IssuerOf(tid) : $"{provider.Instance}{{tenantid}}/v2.0";
                context.Response["tenant_region_scope"] = "WW";
                return default;
            }));
    }

    private static EntraIdProvider Provider(OpenIddictServerTransaction transaction) =>
        transaction.GetHttpRequest()!.HttpContext.RequestServices.GetRequiredService<EntraIdProvider>();

    private static string? TenantOf(OpenIddictServerTransaction transaction) =>
        transaction.GetHttpRequest()?.HttpContext.Items[EntraIdProvider.TenantItem] as string;
}
