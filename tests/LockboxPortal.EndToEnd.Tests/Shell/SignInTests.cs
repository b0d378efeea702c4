using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;

namespace LockboxPortal.EndToEnd.Tests.Shell;

[Collection(PortalCollection.Name)]
public sealed class SignInTests(PortalServer server)
{
    [Theory]
    [InlineData("carol", "home-admin")]
    [InlineData("uma", "home-customer")]
    [InlineData("mia", "home-engineer")]
    public async Task Signing_in_in_a_browser_lands_on_the_home_page_for_the_role(string persona, string marker)
    {
        var page = await server.SignInAsync(DemoPersonas.Find(persona)!);
        try
        {
            Assert.True(await page.Locator($"[data-testid={marker}]").IsVisibleAsync());
            Assert.Contains(DemoPersonas.Find(persona)!.Name, await page.Locator("[data-testid=appbar-user]").InnerTextAsync());
            await PortalServer.ScreenshotAsync(page, $"home-{persona}");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
