using System.Security.Claims;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Security;

/// <summary>
/// The Entra ID sign-in's own rules: which tenants may sign in (<c>AzureAd:AllowedTenants</c>), recording the user,
/// and turning every refused token into an audited refusal and a page that says what happened.
/// </summary>
public static class EntraIdSignIn
{
    public const string RefusedPath = "/signin-refused";
    public const string AllowedTenantsKey = "AzureAd:AllowedTenants";
    private const string AuditedItem = "lockbox.signin-refusal-audited";

    /// <summary>Refusal codes (the page's <c>reason</c>) and what the person is told.</summary>
    public static readonly IReadOnlyDictionary<string, string> Explanations = new Dictionary<string, string>
    {
        ["tenant-not-allowed"] = "Your organization is not one of the tenants this portal admits. Ask the portal's operator to add your tenant.",
        ["missing-claims"] = "Your sign-in did not say which tenant and account you are (tid and oid). Ask your administrator to check the app registration.",
        ["wrong-audience"] = "The sign-in token was issued for another application, so the portal did not accept it.",
        ["wrong-issuer"] = "The sign-in token came from an issuer the portal does not trust.",
        ["expired"] = "The sign-in token had expired. Sign in again.",
        ["unknown-key"] = "The sign-in token was signed with a key the identity provider does not publish.",
        ["invalid-signature"] = "The sign-in token's signature is missing or invalid.",
        ["declined"] = "The sign-in was cancelled or consent was declined at the identity provider.",
        ["invalid-token"] = "The sign-in could not be completed: the identity provider's answer was not valid.",
    };

    /// <summary>
    /// Reads and checks the allow-list at start: empty means every tenant (a multi-tenant app); a value that is not a
    /// tenant id stops the portal with a message naming the key.
    /// </summary>
    public static IReadOnlySet<Guid> AllowedTenants(IConfiguration configuration)
    {
        var values = configuration.GetSection(AllowedTenantsKey).GetChildren().Select(c => c.Value).ToList();
        var bad = values.Where(v => !Guid.TryParse(v, out _)).ToList();
        if (bad.Count > 0)
            throw new PortalStartupException(
                $"{AllowedTenantsKey} must list tenant ids (GUIDs); '{string.Join("', '", bad)}' is not one. Leave it empty to admit every tenant.");
        return values.Select(v => Guid.Parse(v!)).ToHashSet();
    }

    public static void Configure(OpenIdConnectOptions o, IReadOnlySet<Guid> allowedTenants)
    {
        o.Events ??= new OpenIdConnectEvents();
        o.Events.OnTokenValidated = async context =>
        {
            var http = context.HttpContext;
            var profiles = http.RequestServices.GetRequiredService<UserProfileService>();
            var principal = context.Principal;
            var tid = Guid.TryParse(principal?.FindFirst(PortalClaimTypes.TenantId)?.Value, out var t) ? t : (Guid?)null;
            if (principal is not null && allowedTenants.Count > 0 && (tid is null || !allowedTenants.Contains(tid.Value)))
            {
                await profiles.RecordRefusalAsync(principal.FindFirst(PortalClaimTypes.Name)?.Value, tid, "tenant not allowed", http.RequestAborted);
                http.Items[AuditedItem] = "tenant-not-allowed";
                context.Fail("The user's tenant is not in AzureAd:AllowedTenants.");
            }
            else if (principal is null || await profiles.RecordSignInAsync(principal, http.RequestAborted) is null)
            {
                http.Items[AuditedItem] = "missing-claims";
                context.Fail("The token does not carry the tenant and object ids the portal needs.");
            }
            else
            {
                principal.WithNewSession();
            }
        };
        o.Events.OnRemoteFailure = async context =>
        {
            var http = context.HttpContext;
            if (http.Items[AuditedItem] is not string reason)
            {
                reason = ReasonFor(context.Failure);
                // The reason only: never the token, whose claims are the attacker's words.
                await http.RequestServices.GetRequiredService<UserProfileService>()
                    .RecordRefusalAsync(null, null, reason, http.RequestAborted);
            }
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EntraIdSignIn))
                .LogWarning("Entra ID sign-in refused: {Reason} ({Failure}: {Message})", reason, context.Failure?.GetType().Name, context.Failure?.Message);
            context.Response.Redirect($"{RefusedPath}?reason={reason}");
            context.HandleResponse();
        };
    }

    /// <summary>
    /// Every ID token must be signed, the code redemption's included (see <see cref="SignedIdTokenHandler"/>). Applied
    /// as a post-configuration of the handler's options because a token handler set on Microsoft.Identity.Web's options
    /// does not reach the handler (4.18), and so that the AzureAd section cannot switch back to the legacy validator,
    /// which would bypass it.
    /// </summary>
    public static void RequireSignedIdTokens(OpenIdConnectOptions o)
    {
        o.UseSecurityTokenValidator = false;
        o.TokenHandler = new SignedIdTokenHandler { MapInboundClaims = o.MapInboundClaims };
    }

    /// <summary>What went wrong, from the validation exception (possibly wrapped).</summary>
    public static string ReasonFor(Exception? failure)
    {
        for (var ex = failure; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case SecurityTokenInvalidAudienceException: return "wrong-audience";
                case SecurityTokenInvalidIssuerException: return "wrong-issuer";
                case SecurityTokenExpiredException: return "expired";
                case SecurityTokenSignatureKeyNotFoundException: return "unknown-key";
                case SecurityTokenInvalidSignatureException: return "invalid-signature";
                case OpenIdConnectProtocolException when ex.Message.Contains("access_denied", StringComparison.Ordinal): return "declined";
            }
        }
        return "invalid-token";
    }

    /// <summary>Sends the signed-in user back to the identity provider to consent to <paramref name="scopes"/> (incremental consent).</summary>
    public static IResult ConsentChallenge(ClaimsPrincipal user, IEnumerable<string> scopes, string returnUrl)
    {
        var properties = new OpenIdConnectChallengeProperties { RedirectUri = returnUrl };
        properties.Scope = [OpenIdConnectScope.OpenId, OpenIdConnectScope.OfflineAccess, "profile", .. scopes];
        if (user.FindFirst(PortalClaimTypes.PreferredUsername)?.Value is { } hint) properties.SetParameter(OpenIdConnectParameterNames.LoginHint, hint);
        return Results.Challenge(properties, [OpenIdConnectDefaults.AuthenticationScheme]);
    }
}
