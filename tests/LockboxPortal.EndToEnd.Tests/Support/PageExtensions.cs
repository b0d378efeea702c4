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
}
