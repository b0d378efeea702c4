using Deque.AxeCore.Playwright;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Layout;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Accessibility;

/// <summary>axe-core on every main page: no serious or critical violation. Each page is also kept as a screenshot.</summary>
[Collection(PortalCollection.Name)]
public sealed class AccessibilityTests(PortalServer server)
{
    public static TheoryData<string, string, string> MainPages => new()
    {
        { "carol", "/", "a11y-home-admin" },
        { "carol", "/lockbox", "a11y-blade" },
        { "carol", "/lockbox/administration", "a11y-administration" },
        { "uma", "/tickets", "a11y-tickets" },
        { "uma", "/tickets/new", "a11y-new-ticket" },
        { "mia", "/engineer/tickets", "a11y-my-tickets" },
        { "mia", "/engineer/requests", "a11y-my-requests" },
        { "carol", "/audit", "a11y-audit" },
        { "carol", "/audit/verify", "a11y-audit-verify" },
        { "carol", "/lockbox/administration/outbox", "a11y-outbox" },
        { "carol", "/lockbox/administration/webhooks", "a11y-webhooks" },
        { "carol", "/lockbox/administration/approval-policies", "a11y-approval-policies" },
        { "carol", "/mailbox", "a11y-mailbox" },
        { "uma", "/access-denied", "a11y-access-denied" },
        { "uma", "/no-such-page", "a11y-not-found" },
        { "carol", "/service-principals", "a11y-service-principals" },
        { "carol", "/service-principals/new", "a11y-sp-wizard" },
    };

    [Theory]
    [MemberData(nameof(MainPages))]
    public async Task Main_pages_have_no_serious_or_critical_accessibility_violations(string persona, string path, string screenshot)
    {
        var page = await server.OpenAsAsync(DemoPersonas.Find(persona)!, path, until: WaitUntilState.NetworkIdle);
        try
        {
            await PortalServer.ScreenshotAsync(page, screenshot);
            await AssertAccessibleAsync(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [MemberData(nameof(MainPages))]
    public async Task Main_pages_in_the_dark_theme_have_no_serious_or_critical_accessibility_violations(string persona, string path, string screenshot)
    {
        var page = await server.SignInAsync(DemoPersonas.Find(persona)!);
        try
        {
            await page.Context.AddCookiesAsync([new Cookie { Name = ThemePreference.CookieName, Value = "dark", Url = server.BaseUrl }]);
            await page.OpenAsync(server, path, WaitUntilState.NetworkIdle);
            await Expect(page.ByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light theme");
            await PortalServer.ScreenshotAsync(page, screenshot + "-dark");
            await AssertAccessibleAsync(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [InlineData(ColorScheme.Light, 1366, "sign-in-light")]
    [InlineData(ColorScheme.Dark, 1366, "sign-in-dark-os")]
    [InlineData(ColorScheme.Light, 390, "sign-in-phone")]
    public async Task The_sign_in_page_is_accessible_in_both_themes_and_at_phone_width(ColorScheme scheme, int width, string screenshot)
    {
        var context = await server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ColorScheme = scheme,
            ViewportSize = new ViewportSize { Width = width, Height = 844 },
        });
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(server.BaseUrl + "/account/signin");
            await PortalServer.ScreenshotAsync(page, screenshot);
            await AssertAccessibleAsync(page);
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, "The sign-in page should not scroll sideways.");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Request_details_and_the_sign_in_page_are_accessible()
    {
        var page = await server.OpenAsAsync(DemoPersonas.Carol, "/lockbox");
        try
        {
            await page.ByTestId("request-grid").Locator("tbody tr a").First.ClickAsync();
            await Expect(page.ByTestId("request-status")).ToBeVisibleAsync();
            await PortalServer.ScreenshotAsync(page, "a11y-request-details");
            await AssertAccessibleAsync(page);

            var anonymous = await server.Browser.NewPageAsync();
            await anonymous.GotoAsync(server.BaseUrl + "/account/signin");
            await PortalServer.ScreenshotAsync(anonymous, "sign-in");
            await AssertAccessibleAsync(anonymous);
            await anonymous.CloseAsync();
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    // The request page with a usage trail (an anomaly marked) and an account of work waiting for review, in both themes.
    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task The_request_page_with_what_was_accessed_and_an_account_of_work_is_accessible(string theme)
    {
        var requestId = await Lockbox.UsageTrailStoryTests.RequestWithTrailAndAccountAsync(server);
        var page = await server.SignInAsync(DemoPersonas.Carol);
        try
        {
            if (theme == "dark")
                await page.Context.AddCookiesAsync([new Cookie { Name = ThemePreference.CookieName, Value = "dark", Url = server.BaseUrl }]);
            await page.OpenAsync(server, $"/lockbox/requests/{requestId}");
            await Expect(page.ByTestId("trail-anomaly")).ToBeVisibleAsync();
            await Expect(page.ByTestId("attestation-acknowledge")).ToBeVisibleAsync();
            await PortalServer.ScreenshotAsync(page, $"trail-a11y-request-{theme}");
            await AssertAccessibleAsync(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_blade_works_at_phone_width_and_in_the_dark_theme()
    {
        var page = await server.OpenAsAsync(DemoPersonas.Adam, "/lockbox", width: 390, height: 844);
        try
        {
            await Expect(page.ByTestId("request-grid")).ToBeVisibleAsync();
            await PortalServer.ScreenshotAsync(page, "phone-blade");
            var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, "The blade should not scroll sideways at phone width.");

            await page.ByTestId("theme-toggle").ClickAsync();
            await Expect(page.ByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light theme");
            await PortalServer.ScreenshotAsync(page, "phone-blade-dark");
            await AssertAccessibleAsync(page);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v =>
            $"{v.Impact}: {v.Id} — {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Target?.ToString()))}")));
    }
}
