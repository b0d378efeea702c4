using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace LockboxPortal.EndToEnd.Tests.Support;

public static class PageExtensions
{
    /// <summary>Loads a page of the portal and waits until its circuit is interactive.</summary>
    public static async Task OpenAsync(this IPage page, PortalServer server, string path)
    {
        await page.GotoAsync(server.BaseUrl + path);
        await PortalServer.WaitForCircuitAsync(page);
    }

    public static ILocator ByTestId(this IPage page, string id) => page.Locator($"[data-testid={id}]");

    /// <summary>Waits until the element's text contains <paramref name="text"/> (live updates arrive without a reload).</summary>
    public static Task ExpectTextAsync(this IPage page, string testId, string text, float timeoutMs = 30_000) =>
        Assertions.Expect(page.ByTestId(testId)).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = timeoutMs });

    /// <summary>
    /// Clicks the element with <paramref name="testId"/> (a form's submit) and waits until the page's address matches
    /// <paramref name="url"/>. A circuit navigates within the document (history.pushState), so this polls the address
    /// rather than waiting for a navigation event: WaitForURLAsync, which checks the address and then waits for the
    /// event, timed out on pages that had already arrived (about one run in four of the approval policy story).
    /// When the address does not come, the failure says what the page showed instead: its address, whether its
    /// circuit was interactive, its messages and field errors, and the portal's last warnings.
    /// </summary>
    public static async Task SubmitAndWaitForUrlAsync(this IPage page, PortalServer server, string testId, Regex url)
    {
        await page.ByTestId(testId).ClickAsync();
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = 30_000 });
        }
        catch (PlaywrightException ex)
        {
            throw new TimeoutException($"The address did not become {url} after clicking {testId}. {await DescribeAsync(page, server)}", ex);
        }
    }

    /// <summary>What a page shows and the portal logged, for a failure message.</summary>
    public static async Task<string> DescribeAsync(IPage page, PortalServer server)
    {
        string? interactive;
        try { interactive = await page.Locator("[data-interactive]").First.GetAttributeAsync("data-interactive", new() { Timeout = 2_000 }); }
        catch (TimeoutException) { interactive = "no layout"; }
        var messages = await page.Locator(".mud-snackbar").AllInnerTextsAsync();
        var fieldErrors = await page.Locator(".mud-input-error .mud-input-helper-text, .mud-input-helper-text.mud-input-error").AllInnerTextsAsync();
        var reconnect = await page.Locator("#components-reconnect-modal").AllInnerTextsAsync();
        var logged = server.LogLines.Where(l => l.StartsWith("[WRN]", StringComparison.Ordinal) || l.StartsWith("[ERR]", StringComparison.Ordinal) || l.StartsWith("[FTL]", StringComparison.Ordinal)).TakeLast(15);
        return $"The page was {page.Url} (interactive: {interactive}); messages: [{string.Join(" | ", messages)}]; field errors: [{string.Join(" | ", fieldErrors)}]; " +
               $"reconnect dialog: [{string.Join(" | ", reconnect)}]; the portal's last warnings:{Environment.NewLine}{string.Join(Environment.NewLine, logged)}";
    }
}
