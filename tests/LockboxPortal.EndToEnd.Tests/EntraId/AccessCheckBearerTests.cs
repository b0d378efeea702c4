using System.Net;
using System.Net.Http.Headers;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.IdentityProvider;
using LockboxPortal.Infrastructure.Demo;

namespace LockboxPortal.EndToEnd.Tests.EntraId;

/// <summary>
/// The access-check API with client-credential tokens from the local Entra ID provider: the app role is required, and
/// every kind of bad token is refused.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AccessCheckBearerTests(EntraIdPortal portal) : IClassFixture<EntraIdPortal>
{
    private static readonly string ContosoQuery =
        $"/api/v1/access-checks?tenantId={DemoPersonas.ContosoTenant}&engineer={Uri.EscapeDataString(DemoPersonas.Mia.Email)}&resourceId=%2Fsubscriptions%2Fx";

    private string PortalScope => $"api://{portal.PortalApp.ClientId}/.default";

    private Task<string> TokenAsync(AppRegistration app, string? scope = null) =>
        portal.Provider.RequestAppTokenAsync(app, scope ?? PortalScope, EntraIdPortal.OperatorTenant);

    private async Task<HttpResponseMessage> CheckAsync(string token, string? query = null)
    {
        using var http = portal.ApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, query ?? ContosoQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task A_gateway_with_the_app_role_gets_an_answer_for_its_tenant()
    {
        using var response = await CheckAsync(await TokenAsync(portal.ContosoGateway));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"allowed\"", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_gateway_without_the_access_check_read_role_is_forbidden()
    {
        using var response = await CheckAsync(await TokenAsync(portal.GatewayWithoutRole));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_gateway_registered_for_contoso_cannot_ask_about_fabrikam()
    {
        var query = $"/api/v1/access-checks?tenantId={DemoPersonas.FabrikamTenant}&engineer={Uri.EscapeDataString(DemoPersonas.Mia.Email)}&resourceId=%2Fsubscriptions%2Fx";
        using var response = await CheckAsync(await TokenAsync(portal.ContosoGateway), query);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_application_the_portal_does_not_list_is_not_authenticated()
    {
        using var response = await CheckAsync(await TokenAsync(portal.UnlistedGateway));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_refused()
    {
        // A genuine token from the provider, but for Microsoft Graph.
        using var response = await CheckAsync(await TokenAsync(portal.ContosoGateway, "https://graph.microsoft.com/.default"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var forged = new TokenForge(portal.Provider).WithAudience(await TokenAsync(portal.ContosoGateway), Guid.NewGuid().ToString());
        using var forgedResponse = await CheckAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedResponse.StatusCode);
    }

    [Fact]
    public async Task A_token_from_another_issuer_is_refused()
    {
        // Signed by the provider's own key, but naming another tenant's issuer than the configured authority.
        var forged = new TokenForge(portal.Provider).WithIssuer(await TokenAsync(portal.ContosoGateway), portal.Provider.IssuerOf(DemoPersonas.FabrikamTenant));
        using var response = await CheckAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        using var response = await CheckAsync(new TokenForge(portal.Provider).Expired(await TokenAsync(portal.ContosoGateway)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_unsigned_token_with_alg_none_is_refused()
    {
        using var response = await CheckAsync(TokenForge.Unsigned(await TokenAsync(portal.ContosoGateway)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_signed_by_a_key_the_provider_does_not_publish_is_refused()
    {
        using var response = await CheckAsync(TokenForge.SignedByUnknownKey(await TokenAsync(portal.ContosoGateway)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>Its own provider and portal: a key rollover changes the provider for every later test.</summary>
[Collection(PortalCollection.Name)]
public sealed class KeyRolloverTests(EntraIdPortal portal) : IClassFixture<EntraIdPortal>
{
    [Fact]
    public async Task A_key_rollover_at_the_provider_is_picked_up_without_restarting_the_portal()
    {
        var scope = $"api://{portal.PortalApp.ClientId}/.default";
        var before = await portal.Provider.RequestAppTokenAsync(portal.ContosoGateway, scope, EntraIdPortal.OperatorTenant);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(before));

        var oldKey = portal.Provider.CurrentSigningCredentials.Key.KeyId;
        portal.Provider.RollSigningKey(retireOld: true);
        var after = await portal.Provider.RequestAppTokenAsync(portal.ContosoGateway, scope, EntraIdPortal.OperatorTenant);
        Assert.NotEqual(oldKey, portal.Provider.CurrentSigningCredentials.Key.KeyId);

        // The portal has only the old key cached; a token with an unknown kid makes it fetch the JWKS again.
        var status = HttpStatusCode.Unauthorized;
        for (var attempt = 0; attempt < 20 && status != HttpStatusCode.OK; attempt++)
        {
            status = await StatusAsync(after);
            if (status != HttpStatusCode.OK) await Task.Delay(500);
        }
        Assert.Equal(HttpStatusCode.OK, status);
        // A key that was never published is still refused after the refresh.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(TokenForge.SignedByUnknownKey(after)));
    }

    private async Task<HttpStatusCode> StatusAsync(string token)
    {
        using var http = portal.ApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/api/v1/access-checks?tenantId={DemoPersonas.ContosoTenant}&engineer={Uri.EscapeDataString(DemoPersonas.Mia.Email)}&resourceId=%2Fsubscriptions%2Fx");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
