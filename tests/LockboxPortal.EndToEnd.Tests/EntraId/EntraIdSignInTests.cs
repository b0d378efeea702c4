using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.IdentityProvider;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace LockboxPortal.EndToEnd.Tests.EntraId;

/// <summary>Sign-in through the local Entra ID provider's login page, in Chromium, with the portal in EntraId mode.</summary>
[Collection(PortalCollection.Name)]
public sealed class EntraIdSignInTests(EntraIdPortal portal) : IClassFixture<EntraIdPortal>
{
    [Theory]
    [InlineData("carol", "home-admin", "Global Administrator from wids")]
    [InlineData("frank", "home-admin", "Global Administrator from wids")]
    [InlineData("adam", "home-approver", "approver from the app role")]
    [InlineData("uma", "home-customer", "customer from the tenant")]
    [InlineData("fiona", "home-customer", "customer from the tenant")]
    [InlineData("mia", "home-engineer", "engineer of Microsoft from the app role and tid")]
    [InlineData("ravi", "home-engineer", "engineer of Red Hat from the app role and tid")]
    public async Task Each_persona_signs_in_at_the_provider_and_lands_on_the_home_page_of_its_rights(string key, string marker, string because)
    {
        var persona = DemoPersonas.Find(key)!;
        var page = await portal.SignInAsync(DirectoryUser.From(persona));
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/");
            await PortalServer.WaitForCircuitAsync(page);
            Assert.True(await page.ByTestId(marker).IsVisibleAsync(), because);
            Assert.Contains(persona.Name, await page.ByTestId("appbar-user").InnerTextAsync());
            if (marker == "home-engineer")
                Assert.Contains($"Support engineer at {persona.TenantName}", await page.Locator("body").InnerTextAsync());
            var adminLink = await page.GetByRole(AriaRole.Link, new() { Name = "Administration" }).CountAsync();
            Assert.Equal(persona.GlobalAdministrator, adminLink > 0);
            await PortalServer.ScreenshotAsync(page, $"entra-home-{key}");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Signing_out_ends_the_portal_session_and_the_provider_session()
    {
        var page = await portal.SignInAsync(DirectoryUser.From(DemoPersonas.Carol));
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/");
            await PortalServer.WaitForCircuitAsync(page);
            var sessions = portal.Provider.Sessions.CountFor(DemoPersonas.Carol.Oid);
            Assert.True(sessions >= 1);

            await page.ByTestId("sign-out").ClickAsync();

            // Back at the portal, which sends the signed-out browser to the provider, which asks for a password again.
            await page.Locator("#username").WaitForAsync();
            Assert.StartsWith(portal.Provider.Instance, page.Url);
            Assert.Equal(sessions - 1, portal.Provider.Sessions.CountFor(DemoPersonas.Carol.Oid));
            var cookies = await page.Context.CookiesAsync([portal.BaseUrl]);
            Assert.DoesNotContain(cookies, c => c.Name.Contains("lockbox", StringComparison.OrdinalIgnoreCase) && c.Name.Contains("auth", StringComparison.OrdinalIgnoreCase));

            await page.GotoAsync($"{portal.BaseUrl}/lockbox");
            await page.Locator("#username").WaitForAsync();
            Assert.Equal(0, await page.Locator("[data-testid=appbar-user]").CountAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_support_user_without_the_engineer_role_gets_a_page_that_says_so_not_an_error()
    {
        var page = await portal.SignInAsync(EntraIdPortal.Nora);
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/");
            await PortalServer.WaitForCircuitAsync(page);
            await page.ByTestId("home-norole").WaitForAsync();
            Assert.Contains("without the Lockbox.Engineer role", await page.Locator("body").InnerTextAsync());
            await PortalServer.ScreenshotAsync(page, "entra-home-no-role");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_user_of_a_tenant_never_seen_is_onboarded_with_lockbox_as_configured_and_the_onboarding_is_audited()
    {
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM Tenants WHERE Id = $id", EntraIdPortal.NorthwindTenant));
        var page = await portal.SignInAsync(EntraIdPortal.Nils);
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/");
            await PortalServer.WaitForCircuitAsync(page);
            await page.ByTestId("home-admin").WaitForAsync();
            // Lockbox:EnabledForNewTenants is true in this portal.
            Assert.Equal("On", await page.ByTestId("lockbox-state").InnerTextAsync());
            Assert.Equal(1L, Scalar("SELECT LockboxEnabled FROM Tenants WHERE Id = $id", EntraIdPortal.NorthwindTenant));
            Assert.Equal(1L, Scalar($"SELECT COUNT(*) FROM AuditEntries WHERE Action = '{AuditActions.TenantOnboarded}' AND TenantId = $id", EntraIdPortal.NorthwindTenant));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_user_of_a_tenant_outside_the_allow_list_is_refused_with_a_clear_page_and_the_refusal_is_audited()
    {
        var page = await portal.SignInAsync(EntraIdPortal.Tess);
        try
        {
            await page.WaitForAddressAsync($"{portal.BaseUrl}/signin-refused?reason=tenant-not-allowed");
            Assert.Contains("not one of the tenants this portal admits", await page.ByTestId("signin-refused-reason").InnerTextAsync());
            Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM Tenants WHERE Id = $id", EntraIdPortal.TailspinTenant));
            Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM UserProfiles WHERE Oid = $id", EntraIdPortal.Tess.Oid));
            Assert.Equal(1L, Scalar($"SELECT COUNT(*) FROM AuditEntries WHERE Action = '{AuditActions.SignInRefused}' AND TenantId = $id", EntraIdPortal.TailspinTenant));
            await PortalServer.ScreenshotAsync(page, "entra-signin-refused");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private long Scalar(string sql, Guid id)
    {
        using var connection = new SqliteConnection($"Data Source={portal.PortalDatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
