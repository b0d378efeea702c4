using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LockboxPortal.EndToEnd.Tests.ServicePrincipals;

[Collection(PortalCollection.Name)]
public sealed class ServicePrincipalWizardBrowserTests(PortalServer server)
{
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

    private static async Task TypeAsync(IPage page, string selector, string text)
    {
        await page.FillAsync(selector, text);
        await page.PressAsync(selector, "Tab"); // MudTextField takes the value on change
    }

    private static Task NextAsync(IPage page) => page.ClickAsync("[data-testid=wizard-next]");

    [Fact]
    public async Task A_global_administrator_completes_the_wizard_sees_the_secret_once_and_rotates_it()
    {
        var name = "e2e-aro-sp-" + Guid.NewGuid().ToString("N")[..6];
        var page = await server.OpenAsAsync(DemoPersonas.Carol, "/");
        try
        {
            await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = server.BaseUrl });
            await page.GetByRole(AriaRole.Link, new() { Name = "Service principals" }).ClickAsync();
            await page.ClickAsync("[data-testid=new-sp]");
            await page.Locator("[data-testid=note-vnet]").WaitForAsync();
            await PortalServer.ScreenshotAsync(page, "sp-wizard-1-before-you-start");

            await NextAsync(page);
            await page.Locator("#sp-subscription").WaitForAsync();
            await NextAsync(page);
            await page.GetByText("Enter the subscription ID.").WaitForAsync();
            Assert.True(await page.GetByText("Choose the location of the new resource group.").IsVisibleAsync());
            await PortalServer.ScreenshotAsync(page, "sp-wizard-2-resource-group-errors");

            await TypeAsync(page, "#sp-subscription", Subscription);
            await TypeAsync(page, "#sp-resource-group", name + "-rg");
            await page.ClickAsync("div.mud-select > div.mud-input-control");
            await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "East US 2 (eastus2)" }).ClickAsync();
            await NextAsync(page);

            await page.Locator("#sp-name").WaitForAsync();
            Assert.Equal($"/subscriptions/{Subscription}/resourceGroups/{name}-rg", await page.Locator("[data-testid=sp-scope]").InnerTextAsync());
            await TypeAsync(page, "#sp-name", name);
            await TypeAsync(page, "#sp-extra-scopes", $"/subscriptions/{Subscription}/resourceGroups/{name}-vnet-rg");
            await PortalServer.ScreenshotAsync(page, "sp-wizard-3-service-principal");
            await NextAsync(page);

            var commands = page.Locator("[data-testid=az-commands]");
            await commands.WaitForAsync();
            Assert.Contains($"az group create --subscription {Subscription} -n {name}-rg -l eastus2", await commands.InnerTextAsync());
            Assert.Contains($"az ad sp create-for-rbac -n \"{name}\" --role contributor", await commands.InnerTextAsync());
            await PortalServer.ScreenshotAsync(page, "sp-wizard-4-review");
            await NextAsync(page);

            await page.Locator("[data-testid=wizard-done]").WaitForAsync();
            var password = await page.Locator("[data-testid=secret-password]").InnerTextAsync();
            var appId = await page.Locator("[data-testid=secret-appid]").InnerTextAsync();
            Assert.Equal(40, password.Length);
            Assert.Contains("Be sure to save the Application (client) ID and the secret.", await page.Locator("[data-testid=save-warning]").InnerTextAsync());
            await page.ClickAsync("[data-testid=copy-password]");
            await page.GetByText("Copied the secret.").WaitForAsync();
            Assert.Equal(password, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
            await PortalServer.ScreenshotAsync(page, "sp-wizard-5-result");

            // Gone on reload.
            await page.ReloadAsync();
            await PortalServer.WaitForCircuitAsync(page);
            await page.Locator("[data-testid=note-vnet]").WaitForAsync();
            Assert.DoesNotContain(password, await page.ContentAsync());

            await page.GotoAsync($"{server.BaseUrl}/service-principals");
            await PortalServer.WaitForCircuitAsync(page);
            await page.Locator($"[data-testid=sp-row-{name}]").WaitForAsync();
            Assert.Equal(DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-dd"), await page.Locator($"[data-testid=sp-ends-{name}]").InnerTextAsync());

            await page.ClickAsync($"[data-testid=rotate-{name}]");
            await page.ClickAsync("[data-testid=rotate-confirm]");
            await page.Locator("[data-testid=rotate-panel] [data-testid=secret-password]").WaitForAsync();
            var rotated = await page.Locator("[data-testid=rotate-panel] [data-testid=secret-password]").InnerTextAsync();
            Assert.NotEqual(password, rotated);
            await PortalServer.ScreenshotAsync(page, "sp-rotate-new-secret");

            var local = server.Services.GetRequiredService<LocalDirectoryProvisioner>();
            Assert.True(await local.VerifyClientCredentialAsync(DemoPersonas.ContosoTenant, Guid.Parse(appId), rotated));
            Assert.False(await local.VerifyClientCredentialAsync(DemoPersonas.ContosoTenant, Guid.Parse(appId), password));

            await page.ClickAsync("[data-testid=rotate-done]");
            await page.Locator("[data-testid=rotate-panel]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
            await PortalServer.ScreenshotAsync(page, "sp-list");
            Assert.DoesNotContain(rotated, await page.ContentAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_user_who_is_not_a_global_administrator_has_no_link_and_is_turned_away()
    {
        var page = await server.OpenAsAsync(DemoPersonas.Uma, "/");
        try
        {
            Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Service principals" }).CountAsync());
            await page.GotoAsync($"{server.BaseUrl}/service-principals/new");
            Assert.Equal(0, await page.Locator("[data-testid=sp-wizard]").CountAsync());
            Assert.Equal(0, await page.Locator("#sp-subscription").CountAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
