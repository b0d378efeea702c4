using System.Text;
using System.Text.Json;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.IdentityProvider;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Playwright;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace LockboxPortal.EndToEnd.Tests.EntraId;

/// <summary>
/// The Azure provisioner's Graph and Resource Manager tokens come from Microsoft.Identity.Web (MSAL) against the local
/// provider, on behalf of the signed-in Global Administrator; Graph and ARM are WireMock.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class AzureTokenAcquisitionTests(EntraIdPortal portal) : IClassFixture<EntraIdPortal>
{
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    private const string AppObjectId = "11111111-1111-4111-8111-111111111111";
    private const string AppId = "22222222-2222-4222-8222-222222222222";

    private void StubAzure(string group)
    {
        static IResponseBuilder Json(int status, string body) =>
            Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body);
        portal.Azure.Given(Request.Create().WithPath(new WildcardMatcher($"/subscriptions/{Subscription}/resourcegroups/{group}", true)).UsingPut())
            .RespondWith(Json(201, $$"""{"id":"/subscriptions/{{Subscription}}/resourceGroups/{{group}}","location":"eastus2"}"""));
        portal.Azure.Given(Request.Create().WithPath("/v1.0/applications").UsingGet()).RespondWith(Json(200, """{"value":[]}"""));
        portal.Azure.Given(Request.Create().WithPath("/v1.0/applications").UsingPost())
            .RespondWith(Json(201, $$"""{"id":"{{AppObjectId}}","appId":"{{AppId}}","displayName":"x"}"""));
        portal.Azure.Given(Request.Create().WithPath("/v1.0/servicePrincipals").UsingPost())
            .RespondWith(Json(201, $$"""{"id":"33333333-3333-4333-8333-333333333333","appId":"{{AppId}}"}"""));
        portal.Azure.Given(Request.Create().WithPath($"/v1.0/applications/{AppObjectId}/addPassword").UsingPost())
            .RespondWith(Json(200, """{"keyId":"44444444-4444-4444-8444-444444444444","secretText":"Abc8Q~fake-secret-from-graph-0123456789xyz","hint":"Abc","endDateTime":"2027-11-28T09:00:00Z"}"""));
        portal.Azure.Given(Request.Create().WithPath(new WildcardMatcher($"/subscriptions/{Subscription}/resourceGroups/{group}/providers/Microsoft.Authorization/roleAssignments/*", true)).UsingPut())
            .RespondWith(Json(201, "{}"));
    }

    private static async Task FillWizardAsync(IPage page, string name)
    {
        async Task Type(string selector, string text)
        {
            await page.FillAsync(selector, text);
            await page.PressAsync(selector, "Tab");
        }
        await page.Locator("[data-testid=note-vnet]").WaitForAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.Locator("#sp-subscription").WaitForAsync();
        await Type("#sp-subscription", Subscription);
        await Type("#sp-resource-group", name + "-rg");
        await page.ClickAsync("div.mud-select > div.mud-input-control");
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "East US 2 (eastus2)" }).ClickAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.Locator("#sp-name").WaitForAsync();
        await Type("#sp-name", name);
        await page.ClickAsync("[data-testid=wizard-next]");
        await page.Locator("[data-testid=az-commands]").WaitForAsync();
        await page.ClickAsync("[data-testid=wizard-next]");
    }

    private static JsonElement Claims(string bearer) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(bearer["Bearer ".Length..].Split('.')[1]))).RootElement;

    [Fact]
    public async Task Without_consent_the_wizard_leads_to_the_consent_prompt_and_after_it_calls_azure_with_delegated_tokens()
    {
        var name = "entra-sp-" + Guid.NewGuid().ToString("N")[..6];
        StubAzure(name + "-rg");
        portal.Provider.Directory.RevokeConsent(DemoPersonas.Carol.Oid, portal.PortalApp.ClientId);
        var page = await portal.SignInAsync(DirectoryUser.From(DemoPersonas.Carol));
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/");
            await page.GotoAsync($"{portal.BaseUrl}/service-principals/new");
            await PortalServer.WaitForCircuitAsync(page);
            await FillWizardAsync(page, name);

            // MsalUiRequiredException (AADSTS65001, consent_required) becomes the provider's consent prompt, not an error page.
            await page.Locator("#accept").WaitForAsync();
            var asked = await page.Locator("#consent-scopes").InnerTextAsync();
            Assert.Contains("https://graph.microsoft.com/.default", asked);
            Assert.Contains("https://management.azure.com/.default", asked);
            Assert.Empty(portal.Azure.LogEntries);
            await PortalServer.ScreenshotAsync(page, "entra-consent-prompt");
            await page.ClickAsync("#accept");

            await page.WaitForAddressAsync($"{portal.BaseUrl}/service-principals/new");
            await PortalServer.WaitForCircuitAsync(page);
            await FillWizardAsync(page, name);
            await page.Locator("[data-testid=wizard-done]").WaitForAsync();
            Assert.Equal(AppId, await page.Locator("[data-testid=secret-appid]").InnerTextAsync());

            var calls = portal.Azure.LogEntries.Select(e => e.RequestMessage).ToList();
            Assert.NotEmpty(calls);
            foreach (var call in calls)
            {
                var claims = Claims(call.Headers!["Authorization"].Single());
                var expectedAudience = call.Path.StartsWith("/v1.0", StringComparison.Ordinal) ? "https://graph.microsoft.com" : "https://management.azure.com";
                Assert.Equal(expectedAudience, claims.GetProperty("aud").GetString());
                Assert.Equal(DemoPersonas.ContosoTenant.ToString(), claims.GetProperty("tid").GetString());
                Assert.Equal(DemoPersonas.Carol.Oid.ToString(), claims.GetProperty("oid").GetString());
                Assert.Equal(portal.Provider.IssuerOf(DemoPersonas.ContosoTenant), claims.GetProperty("iss").GetString());
            }
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
