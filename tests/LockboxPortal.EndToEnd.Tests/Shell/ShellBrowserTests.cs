using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Layout;
using LockboxPortal.Web.Security;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Shell;

/// <summary>The shell in a real browser (issue 13): names of controls, the remembered theme, the phone menu.</summary>
[Collection(PortalCollection.Name)]
public sealed class ShellBrowserTests(PortalServer server)
{
    private const string DarkAppBar = "rgb(11, 31, 51)";   // PortalTheme.PaletteDark.AppbarBackground #0b1f33
    private const string LightAppBar = "rgb(15, 61, 110)"; // PortalTheme.PaletteLight.AppbarBackground #0f3d6e

    private static Task<string> AppBarColourAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.mud-appbar')).backgroundColor");

    [Fact]
    public async Task The_persona_buttons_on_the_sign_in_page_are_named_by_the_text_they_show()
    {
        var page = await server.Browser.NewPageAsync();
        try
        {
            await page.GotoAsync(server.BaseUrl + "/account/signin");
            var carol = page.GetByRole(AriaRole.Button, new() { Name = "Carol Diaz" });
            await Expect(carol).ToHaveCountAsync(1);
            await Expect(carol).ToHaveAccessibleNameAsync(new System.Text.RegularExpressions.Regex("^Carol Diaz.*Global Administrator.*carol\\.diaz@contoso\\.com$"));
            foreach (var persona in DemoPersonas.All)
                await Expect(page.ByTestId($"persona-{persona.Key}")).ToHaveAccessibleNameAsync(new System.Text.RegularExpressions.Regex("^" + persona.Name));
            Assert.Equal(0, await page.Locator("button [role=group]").CountAsync());
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_navigation_link_is_named_by_its_text_and_the_pending_count_describes_it()
    {
        var page = await server.SignInAsync(DemoPersonas.Carol);
        try
        {
            await Expect(page.ByTestId("pending-badge")).ToBeVisibleAsync();
            var count = (await page.ByTestId("pending-badge").InnerTextAsync()).Trim();
            var link = page.GetByRole(AriaRole.Link, new() { Name = "Customer Lockbox", Exact = true });
            await Expect(link).ToHaveCountAsync(1);
            await Expect(link).ToHaveAccessibleNameAsync("Customer Lockbox");
            await Expect(link).ToHaveAccessibleDescriptionAsync($"{count} pending");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_chosen_theme_is_remembered_and_already_in_the_prerendered_page()
    {
        var page = await server.SignInAsync(DemoPersonas.Adam);
        try
        {
            Assert.Equal(LightAppBar, await AppBarColourAsync(page));
            await page.ByTestId("theme-toggle").ClickAsync();
            await Expect(page.ByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light theme");
            await Expect(page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", DarkAppBar);
            // The cookie is written by the JS call after the click, a moment after the page turned dark.
            var cookies = await page.Context.CookiesAsync([server.BaseUrl]);
            for (var i = 0; i < 50 && !cookies.Any(c => c.Name == ThemePreference.CookieName); i++)
            {
                await page.WaitForTimeoutAsync(200);
                cookies = await page.Context.CookiesAsync([server.BaseUrl]);
            }
            Assert.Contains(cookies, c => c.Name == ThemePreference.CookieName && c.Value == "dark");

            await page.ReloadAsync();
            await PortalServer.WaitForCircuitAsync(page);
            Assert.Equal(DarkAppBar, await AppBarColourAsync(page));

            // No flash: without any script at all, the server's first HTML is already dark.
            var noScript = await server.Browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ColorScheme = ColorScheme.Light });
            await noScript.AddCookiesAsync(cookies.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
            var prerendered = await noScript.NewPageAsync();
            await prerendered.GotoAsync(server.BaseUrl + "/lockbox");
            Assert.Equal(DarkAppBar, await AppBarColourAsync(prerendered));
            await PortalServer.ScreenshotAsync(prerendered, "theme-dark-prerendered");
            await noScript.CloseAsync();

            // Chosen beats the operating system: a dark choice stays dark when the OS turns light, and back.
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
            await page.ByTestId("theme-toggle").ClickAsync();
            await Expect(page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", LightAppBar);
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            await page.WaitForTimeoutAsync(500);
            Assert.Equal(LightAppBar, await AppBarColourAsync(page));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Until_a_theme_is_chosen_the_portal_follows_the_operating_system()
    {
        var page = await server.SignInAsync(DemoPersonas.Uma, colorScheme: ColorScheme.Dark);
        var console = new List<string>();
        page.Console += (_, m) => console.Add(m.Text);
        try
        {
            Assert.True(await page.EvaluateAsync<bool>("() => matchMedia('(prefers-color-scheme: dark)').matches"));
            try
            {
                await Expect(page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", DarkAppBar);
            }
            catch (PlaywrightException)
            {
                Assert.Fail("console: " + string.Join(" | ", console) + " log: " + string.Join(" | ", server.LogLines.Where(l => l.StartsWith("[ERR]") || l.StartsWith("[WRN]"))));
            }
            Assert.DoesNotContain(await page.Context.CookiesAsync([server.BaseUrl]), c => c.Name == ThemePreference.CookieName);
            await PortalServer.ScreenshotAsync(page, "home-customer-dark-os");

            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
            await Expect(page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", LightAppBar);
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            await Expect(page.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", DarkAppBar);

            // The sign-in page (no circuit) follows the chosen theme too. (It follows the OS through the client hint,
            // which Playwright's emulation does not set: PortalHostTests covers that over HTTP.)
            var signIn = await page.Context.NewPageAsync();
            await signIn.GotoAsync(server.BaseUrl + "/account/signin");
            await Expect(signIn.Locator(".mud-appbar")).ToHaveCSSAsync("background-color", DarkAppBar);
            await PortalServer.ScreenshotAsync(signIn, "sign-in-dark");
            await signIn.CloseAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task At_phone_width_the_menu_opens_over_the_page_and_closes_after_choosing_a_page()
    {
        var page = await server.SignInAsync(DemoPersonas.Carol, width: 390, height: 844);
        try
        {
            var drawer = page.Locator("#lb-drawer");
            var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" });
            // At phone width the drawer starts hidden, and the toggle says so.
            await Expect(drawer).ToBeHiddenAsync();
            await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");

            await toggle.ClickAsync();
            await Expect(drawer).ToBeVisibleAsync();
            await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
            await Expect(page.Locator(".lb-drawer-overlay")).ToBeVisibleAsync();
            await PortalServer.ScreenshotAsync(page, "phone-menu-open");

            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" }).GetByRole(AriaRole.Link, new() { Name = "Support tickets" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(server.BaseUrl + "/tickets");
            await Expect(drawer).ToBeHiddenAsync();
            await Expect(page.Locator(".lb-drawer-overlay")).ToBeHiddenAsync();
            await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
            await PortalServer.ScreenshotAsync(page, "phone-menu-closed-after-choice");

            // The scrim and Escape close it too.
            await toggle.ClickAsync();
            await Expect(drawer).ToBeVisibleAsync();
            await page.Locator(".lb-drawer-overlay").ClickAsync(new() { Position = new() { X = 370, Y = 400 } });
            await Expect(drawer).ToBeHiddenAsync();
            await toggle.ClickAsync();
            await Expect(drawer).ToBeVisibleAsync();
            await page.Keyboard.PressAsync("Escape");
            await Expect(drawer).ToBeHiddenAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task On_a_wide_screen_the_menu_stays_open_after_choosing_a_page_and_the_toggle_hides_it_beside_the_page()
    {
        var page = await server.SignInAsync(DemoPersonas.Carol);
        try
        {
            var drawer = page.Locator("#lb-drawer");
            var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" });
            // The document's own first page keeps the browser's focus when its circuit starts; one popover provider.
            await PortalServer.WaitForCircuitAsync(page);
            await Expect(page.Locator("h1")).Not.ToBeFocusedAsync();
            await Expect(page.Locator(".mud-popover-provider")).ToHaveCountAsync(1);
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" }).GetByRole(AriaRole.Link, new() { Name = "Support tickets" }).ClickAsync();
            await Expect(page).ToHaveURLAsync(server.BaseUrl + "/tickets");
            // A navigation within the circuit moves focus to the new page's heading, for screen readers and the keyboard.
            await Expect(page.Locator("h1")).ToContainTextAsync("Support tickets");
            await Expect(page.Locator("h1")).ToBeFocusedAsync();
            await Expect(drawer).ToBeVisibleAsync();
            await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
            await Expect(page.Locator(".lb-drawer-overlay")).ToBeHiddenAsync();

            await toggle.ClickAsync();
            await Expect(drawer).ToBeHiddenAsync();
            await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
            await Expect(page.Locator(".mud-main-content")).ToHaveCSSAsync("margin-left", "0px");
            await PortalServer.ScreenshotAsync(page, "wide-menu-closed");

            await toggle.ClickAsync();
            await Expect(drawer).ToBeVisibleAsync();
            await Expect(page.Locator(".mud-main-content")).Not.ToHaveCSSAsync("margin-left", "0px");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
