using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace LockboxPortal.EndToEnd.Tests.Support;

public static class PageExtensions
{
    /// <summary>
    /// Loads a page of the portal and waits until its circuit is interactive. <paramref name="until"/> is what the
    /// load itself waits for; ask for <see cref="WaitUntilState.NetworkIdle"/> here rather than calling
    /// WaitForLoadStateAsync afterwards, which, like WaitForURLAsync, can miss a state that arrives while it starts.
    /// </summary>
    public static async Task OpenAsync(this IPage page, PortalServer server, string path, WaitUntilState until = WaitUntilState.Load)
    {
        await page.GotoAsync(server.BaseUrl + path, new() { WaitUntil = until });
        await PortalServer.WaitForCircuitAsync(page);
    }

    public static ILocator ByTestId(this IPage page, string id) => page.Locator($"[data-testid={id}]");

    /// <summary>Waits until the element's text contains <paramref name="text"/> (live updates arrive without a reload).</summary>
    public static Task ExpectTextAsync(this IPage page, string testId, string text, float timeoutMs = 30_000) =>
        Assertions.Expect(page.ByTestId(testId)).ToContainTextAsync(text, new LocatorAssertionsToContainTextOptions { Timeout = timeoutMs });

    /// <summary>
    /// Waits until the page's address matches <paramref name="url"/>, by polling the address in the browser. Playwright's
    /// own WaitForURLAsync reads the address it last heard of and then starts listening for the next navigation, on
    /// another thread than the one delivering that navigation: a page that arrives in between is never seen, and the
    /// wait times out on a page that is there (6 of 400 waits after a click in a loop on this machine; 0 of 400 with
    /// this). It also misses a circuit's in-document navigation (history.pushState). Every wait for an address goes
    /// through here. When the address does not come, the failure says where the page is and what it shows, or, given
    /// <paramref name="describe"/>, whatever that says.
    /// </summary>
    public static async Task WaitForAddressAsync(this IPage page, Regex url, float timeoutMs = 30_000, Func<Task<string>>? describe = null)
    {
        try
        {
            await Assertions.Expect(page).ToHaveURLAsync(url, new() { Timeout = timeoutMs });
        }
        catch (PlaywrightException ex)
        {
            var what = describe is null ? $"The page is at {page.Url} and shows: {await VisibleTextAsync(page)}" : await describe();
            throw new TimeoutException($"The address did not become {url} within {timeoutMs / 1000:0.#} s. {what}", ex);
        }
    }

    /// <summary><see cref="WaitForAddressAsync(IPage, Regex, float, Func{Task{string}}?)"/> for exactly <paramref name="url"/>.</summary>
    public static Task WaitForAddressAsync(this IPage page, string url, float timeoutMs = 30_000) =>
        page.WaitForAddressAsync(Exactly(url), timeoutMs);

    /// <summary>A pattern matching <paramref name="url"/> and nothing else.</summary>
    public static Regex Exactly(string url) => new($"^{Regex.Escape(url)}$");

    /// <summary>A pattern matching every address that starts with <paramref name="prefix"/>.</summary>
    public static Regex StartingWith(string prefix) => new($"^{Regex.Escape(prefix)}");

    /// <summary>
    /// Clicks the element with <paramref name="testId"/> (a form's submit) and waits until the page's address matches
    /// <paramref name="url"/>. When it does not come, the failure says what the page showed instead: its address, whether
    /// its circuit was interactive, its messages and field errors, and the portal's last warnings.
    /// </summary>
    public static async Task SubmitAndWaitForUrlAsync(this IPage page, PortalServer server, string testId, Regex url)
    {
        await page.ByTestId(testId).ClickAsync();
        await page.WaitForAddressAsync(url, describe: () => DescribeAsync(page, server));
    }

    /// <summary>The page's visible text, cut to a length a failure message can carry.</summary>
    private static async Task<string> VisibleTextAsync(IPage page)
    {
        try
        {
            var text = Regex.Replace(await page.Locator("body").InnerTextAsync(new() { Timeout = 2_000 }), @"\s+", " ").Trim();
            return text.Length > 600 ? text[..600] + "…" : text;
        }
        catch (PlaywrightException ex)
        {
            return $"(its text could not be read: {ex.Message.Split('\n')[0]})";
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
