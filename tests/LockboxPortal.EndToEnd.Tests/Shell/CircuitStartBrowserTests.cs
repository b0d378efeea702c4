using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Shell;

/// <summary>
/// How a page's circuit starts (js/start.js): straight over a WebSocket, without the initializers and negotiate
/// requests that used to stand between the prerendered page and the live circuit, and still reconnecting when the
/// WebSocket drops.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class CircuitStartBrowserTests(PortalServer server)
{
    /// <summary>Keeps every WebSocket the page opens, so a test can drop the circuit's connection as a network would.</summary>
    private const string KeepWebSockets = """
        (() => {
          const Native = window.WebSocket;
          window.__sockets = [];
          window.WebSocket = class extends Native {
            constructor(...args) { super(...args); window.__sockets.push(this); }
          };
        })();
        """;

    [Fact]
    public async Task A_full_load_starts_its_circuit_over_one_WebSocket_without_a_negotiate_or_initializers_request()
    {
        var page = await server.NewSessionAsync(DemoPersonas.Carol);
        try
        {
            var requests = new List<string>();
            var sockets = new List<string>();
            page.Request += (_, r) => requests.Add(r.Url);
            page.WebSocket += (_, ws) => sockets.Add(ws.Url);

            await page.GotoAsync(server.BaseUrl + "/lockbox");
            await PortalServer.WaitForCircuitAsync(page);

            Assert.DoesNotContain(requests, u => u.Contains("/_blazor/negotiate", StringComparison.Ordinal));
            Assert.DoesNotContain(requests, u => u.Contains("/_blazor/initializers", StringComparison.Ordinal));
            var socket = Assert.Single(sockets);
            Assert.Equal(new Uri(server.BaseUrl).Authority, new Uri(socket).Authority);
            Assert.Equal("/_blazor", new Uri(socket).AbsolutePath);

            // The circuit is live: a click handled on the server changes the page.
            await page.ByTestId("theme-toggle").ClickAsync();
            await Expect(page.ByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light theme");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task When_the_circuit_WebSocket_drops_the_page_reconnects_without_negotiating_and_keeps_working()
    {
        var page = await server.NewSessionAsync(DemoPersonas.Carol);
        try
        {
            await page.Context.AddInitScriptAsync(KeepWebSockets);
            var requests = new List<string>();
            page.Request += (_, r) => requests.Add(r.Url);
            await page.GotoAsync(server.BaseUrl + "/lockbox");
            await PortalServer.WaitForCircuitAsync(page);
            Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__sockets.length"));

            await page.EvaluateAsync("() => window.__sockets[0].close()");

            // Blazor opens a new WebSocket and resumes the same circuit (its reconnect UI comes and goes on the way).
            await page.WaitForFunctionAsync("() => window.__sockets.length >= 2 && window.__sockets.at(-1).readyState === WebSocket.OPEN");
            await Expect(page.Locator("#components-reconnect-modal[open], .components-reconnect-show")).ToHaveCountAsync(0);
            await page.ByTestId("theme-toggle").ClickAsync();
            await Expect(page.ByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to light theme");
            Assert.DoesNotContain(requests, u => u.Contains("/_blazor/negotiate", StringComparison.Ordinal));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
