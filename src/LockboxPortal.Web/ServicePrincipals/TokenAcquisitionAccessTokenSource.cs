using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Identity.Client;
using Microsoft.Identity.Web;

namespace LockboxPortal.Web.ServicePrincipals;

/// <summary>
/// Delegated tokens from Microsoft.Identity.Web: Graph and Resource Manager are called as the signed-in Global
/// Administrator, in that user's tenant, with the consent that administrator gave (docs/entra-id.md says why not
/// app-only). A missing consent surfaces as <see cref="ConsentRequiredException"/>, which the page turns into the
/// consent prompt instead of an error.
/// </summary>
public sealed class TokenAcquisitionAccessTokenSource(
    ITokenAcquisition tokens,
    IServiceProvider services,
    IHttpContextAccessor http) : IAccessTokenSource
{
    public async Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct)
    {
        // In a circuit the user comes from its authentication state; in a request, from the request.
        var user = http.HttpContext?.User;
        if (user?.Identity?.IsAuthenticated != true && services.GetService<AuthenticationStateProvider>() is { } state)
            user = (await state.GetAuthenticationStateAsync()).User;
        try
        {
            return await tokens.GetAccessTokenForUserAsync([scope], tenantId: tenantId.ToString(), user: user,
                tokenAcquisitionOptions: new TokenAcquisitionOptions { CancellationToken = ct });
        }
        catch (Exception ex) when (ex is MicrosoftIdentityWebChallengeUserException or MsalUiRequiredException)
        {
            throw new ConsentRequiredException(
                $"The portal needs your consent to call {new Uri(scope).Host} on your behalf. You are being sent to Microsoft Entra ID to give it.", ex);
        }
    }
}

public static class ServicePrincipalTokenExtensions
{
    public static bool UsesAzureDirectory(this IConfiguration configuration) =>
        configuration.GetSection(ServicePrincipalOptions.Section)
            .GetValue(nameof(ServicePrincipalOptions.Provisioner), DirectoryProvisionerKind.Local) == DirectoryProvisionerKind.Azure;

    /// <summary>
    /// With <c>ServicePrincipals:Provisioner = Azure</c> the portal calls Graph and Resource Manager on behalf of the
    /// signed-in Global Administrator: token acquisition on the Entra ID sign-in (the authorization code is redeemed by
    /// MSAL so its refresh token serves later calls), and the token source over it.
    /// </summary>
    public static void AddServicePrincipalTokens(this MicrosoftIdentityWebAppAuthenticationBuilder builder, IConfiguration configuration)
    {
        if (!configuration.UsesAzureDirectory()) return;
        builder.EnableTokenAcquisitionToCallDownstreamApi(_ => { }).AddInMemoryTokenCaches();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<IAccessTokenSource, TokenAcquisitionAccessTokenSource>();
    }

    public static void RefuseAzureDirectoryWithoutEntraId(this IConfiguration configuration)
    {
        if (configuration.UsesAzureDirectory())
            throw new PortalStartupException(
                "ServicePrincipals:Provisioner is 'Azure', which calls Microsoft Graph and Resource Manager on behalf of the signed-in Entra ID user, " +
                "but Authentication:Mode is 'Development'. Use ServicePrincipals:Provisioner 'Local' for development, or sign in with Entra ID.");
    }
}
