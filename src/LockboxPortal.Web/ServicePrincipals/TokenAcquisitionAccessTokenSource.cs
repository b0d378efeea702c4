using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Web.Security;
using Microsoft.Identity.Web;

namespace LockboxPortal.Web.ServicePrincipals;

/// <summary>App-only tokens from Microsoft.Identity.Web, acquired in the customer's tenant (the portal is a multi-tenant app consented there).</summary>
public sealed class TokenAcquisitionAccessTokenSource(ITokenAcquisition tokens) : IAccessTokenSource
{
    public Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct) =>
        tokens.GetAccessTokenForAppAsync(scope, authenticationScheme: null, tenant: tenantId.ToString(),
            tokenAcquisitionOptions: new TokenAcquisitionOptions { CancellationToken = ct });
}

public static class ServicePrincipalTokenExtensions
{
    public static bool UsesAzureDirectory(this IConfiguration configuration) =>
        configuration.GetSection(ServicePrincipalOptions.Section)
            .GetValue(nameof(ServicePrincipalOptions.Provisioner), DirectoryProvisionerKind.Local) == DirectoryProvisionerKind.Azure;

    /// <summary>
    /// With <c>ServicePrincipals:Provisioner = Azure</c> the portal calls Graph and Resource Manager with its own
    /// app identity: token acquisition on the Entra ID sign-in, and the token source over it.
    /// </summary>
    public static void AddServicePrincipalTokens(this MicrosoftIdentityWebAppAuthenticationBuilder builder, IConfiguration configuration)
    {
        if (!configuration.UsesAzureDirectory()) return;
        builder.EnableTokenAcquisitionToCallDownstreamApi(_ => { }).AddInMemoryTokenCaches();
        builder.Services.AddScoped<IAccessTokenSource, TokenAcquisitionAccessTokenSource>();
    }

    public static void RefuseAzureDirectoryWithoutEntraId(this IConfiguration configuration)
    {
        if (configuration.UsesAzureDirectory())
            throw new PortalStartupException(
                "ServicePrincipals:Provisioner is 'Azure', which calls Microsoft Graph and Resource Manager with the portal's Entra ID app identity, " +
                "but Authentication:Mode is 'Development'. Use ServicePrincipals:Provisioner 'Local' for development, or sign in with Entra ID.");
    }
}
