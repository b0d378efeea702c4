using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Administration;

/// <summary>Administration › Webhooks in a real browser: add an endpoint (its secret shown once), rotate the secret, delete it.</summary>
[Collection(PortalCollection.Name)]
public sealed class WebhooksBrowserTests(PortalServer server)
{
    [Fact]
    public async Task A_global_administrator_adds_rotates_and_deletes_an_endpoint_and_sees_each_secret_once()
    {
        var carol = await server.OpenAsAsync(DemoPersonas.Carol, "/lockbox/administration/webhooks");
        try
        {
            // Development accepts a loopback target; nothing needs to listen there for this story.
            // A long one: it must wrap inside its panel (it ran past it once).
            var url = $"http://127.0.0.1:9/hooks/{Guid.NewGuid():N}/{string.Concat(Enumerable.Repeat("deliveries-for-the-security-operations-centre", 4))}";
            await carol.ByTestId("webhook-url").FillAsync(url);
            await carol.ByTestId("webhook-events").ClickAsync();
            await carol.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Unexpected use of access" }).ClickAsync();
            // A multi-select stays open for more choices; a click on the empty page beside it closes it.
            await carol.Mouse.ClickAsync(1100, 750);
            await Expect(carol.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
            await carol.ByTestId("webhook-add").ClickAsync();

            var secret = carol.ByTestId("webhook-secret");
            await Expect(secret).ToContainTextAsync("Copy it now: it is not shown again");
            var first = await secret.Locator("code").InnerTextAsync();
            Assert.False(string.IsNullOrWhiteSpace(first));
            var row = carol.ByTestId("webhook-row").Filter(new() { HasText = url });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync("Unexpected use of access");
            await PortalServer.ScreenshotAsync(carol, "trail-webhooks-added");
            const string SpillPastPanel = "() => { const row = document.querySelector('[data-testid=webhook-row]'); const panel = row.closest('.mud-paper');"
                + " return Math.max(row.closest('table').getBoundingClientRect().right, row.getBoundingClientRect().right) - panel.getBoundingClientRect().right; }";
            var spill = await carol.EvaluateAsync<double>(SpillPastPanel);
            Assert.True(spill <= 1, $"the endpoint table runs {spill:0} px past its panel");
            var overflow = await carol.ByTestId("webhook-secret").EvaluateAsync<double>("a => a.scrollWidth - a.clientWidth");
            Assert.True(overflow <= 1, $"the secret's notice overflows by {overflow:0} px");

            // A reload shows the endpoint, never its secret again.
            await carol.OpenAsync(server, "/lockbox/administration/webhooks");
            await Expect(carol.ByTestId("webhook-row").Filter(new() { HasText = url })).ToHaveCountAsync(1);
            await Expect(carol.ByTestId("webhook-secret")).ToHaveCountAsync(0);
            Assert.DoesNotContain(first, await carol.ContentAsync());

            await carol.ByTestId("webhook-row").Filter(new() { HasText = url }).Locator("[data-testid=webhook-rotate]").ClickAsync();
            await carol.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
            await Expect(carol.ByTestId("webhook-secret")).ToContainTextAsync(url);
            var second = await carol.ByTestId("webhook-secret").Locator("code").InnerTextAsync();
            Assert.NotEqual(first, second);
            await PortalServer.ScreenshotAsync(carol, "trail-webhooks-rotated");

            await carol.ByTestId("webhook-row").Filter(new() { HasText = url }).Locator("[data-testid=webhook-delete]").ClickAsync();
            await carol.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(carol.ByTestId("webhook-row").Filter(new() { HasText = url })).ToHaveCountAsync(0);
            await PortalServer.ScreenshotAsync(carol, "trail-webhooks-deleted");
        }
        finally
        {
            await carol.Context.CloseAsync();
        }
    }
}
