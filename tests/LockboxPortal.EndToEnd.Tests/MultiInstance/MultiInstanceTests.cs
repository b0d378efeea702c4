using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.MultiInstance;

/// <summary>
/// What a user notices when the portal runs as several instances behind a load balancer: a change made on one
/// shows live on the others, a sign-out holds everywhere, limits count across instances, a cookie from one is
/// read by all, and Redis going away degrades live updates without stopping the portal.
/// </summary>
[Collection(MultiInstanceCollection.Name)]
public sealed class MultiInstanceTests(MultiInstancePortal portal, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
    }

    private async Task<IBrowserContext> ContextAsync()
    {
        var context = await portal.NewContextAsync();
        _contexts.Add(context);
        return context;
    }

    private async Task<IPage> SignedInAsync(string baseUrl, LockboxPortal.Infrastructure.Demo.DemoPersona persona) =>
        await MultiInstancePortal.SignInAsync(await ContextAsync(), baseUrl, persona);

    /// <summary>Marks the moment the page's status first reads <paramref name="status"/>, in wall-clock ms (the same clock for every page).</summary>
    private static Task WatchStatusAsync(IPage page, string status) => page.EvaluateAsync("""
        status => {
          window.__statusAt = null;
          const check = () => {
            const el = document.querySelector('[data-testid=request-status]');
            if (!window.__statusAt && el && el.textContent.includes(status)) window.__statusAt = Date.now();
          };
          new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
          check();
        }
        """, status);

    private static async Task<long> StatusSeenAtAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => window.__statusAt !== null", null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 20 });
        return await page.EvaluateAsync<long>("() => window.__statusAt");
    }

    private static async Task ApproveAsync(IPage page)
    {
        await page.ByTestId("approve").ClickAsync();
        await Expect(page.ByTestId("approve-dialog")).ToBeVisibleAsync();
        await page.ByTestId("confirm-approve").ClickAsync();
    }

    [Fact]
    public async Task An_approval_on_A_shows_live_on_the_engineers_page_served_by_B_within_two_seconds()
    {
        var request = await portal.Data.PendingContosoRequestAsync();
        var mia = await SignedInAsync(portal.B.BaseUrl, Mia);
        await MultiInstancePortal.OpenAsync(mia, $"{portal.B.BaseUrl}/lockbox/requests/{request.Id}");
        await mia.ExpectTextAsync("request-status", "Customer Notified");
        await portal.WaitForListenersAsync("live:" + LiveScope.Request(request.Id));
        var carol = await SignedInAsync(portal.A.BaseUrl, Carol);
        await MultiInstancePortal.OpenAsync(carol, $"{portal.A.BaseUrl}/lockbox/requests/{request.Id}");
        await WatchStatusAsync(carol, "Approved");
        await WatchStatusAsync(mia, "Approved");

        var clicked = await carol.EvaluateAsync<long>("() => Date.now()");
        await ApproveAsync(carol);
        var shownOnA = await StatusSeenAtAsync(carol);
        var shownOnB = await StatusSeenAtAsync(mia);

        await mia.ExpectTextAsync("decision", "Carol Diaz");
        var delay = shownOnB - shownOnA;
        portal.Record(output, "Live update A→B (approval shown on A's page → engineer's page on B)", $"{delay} ms (click on A → shown on B: {shownOnB - clicked} ms)");
        Assert.True(delay <= 2000, $"The engineer's page on B showed the approval {delay} ms after the approver's page on A; at most 2000 ms is expected.");
    }

    [Fact]
    public async Task Signing_out_on_A_makes_B_refuse_the_same_cookie_and_drop_the_circuit_that_held_it()
    {
        var context = await ContextAsync();
        var onA = await MultiInstancePortal.SignInAsync(context, portal.A.BaseUrl, Adam);
        var onB = await context.NewPageAsync();
        await MultiInstancePortal.OpenAsync(onB, $"{portal.B.BaseUrl}/lockbox");
        await onB.ExpectTextAsync("appbar-user", "Adam Price");
        var cookie = string.Join("; ", (await context.CookiesAsync()).Select(c => $"{c.Name}={c.Value}"));
        using var copy = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        Assert.Equal(HttpStatusCode.OK, (await GetWithCookieAsync(copy, $"{portal.B.BaseUrl}/lockbox", cookie)).StatusCode);
        // A and B each subscribe once their first cookie is checked (C, which no one has used, need not).
        await portal.WaitForListenersAsync("sessions:ended", count: 2);

        await onA.ByTestId("sign-out").ClickAsync();
        await onA.WaitForURLAsync(new Regex("/account/signin"));

        var refused = await GetWithCookieAsync(copy, $"{portal.B.BaseUrl}/lockbox", cookie);
        Assert.True(refused.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.Unauthorized,
            $"B answered {(int)refused.StatusCode} to the signed-out cookie.");
        if (refused.StatusCode != HttpStatusCode.Unauthorized) Assert.StartsWith("/account/signin", refused.Headers.Location!.PathAndQuery);
        await Expect(onB.ByTestId("appbar-user")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 10_000 });
        output.WriteLine($"After the sign-out on A, B's open page is at {onB.Url}");
    }

    private static Task<HttpResponseMessage> GetWithCookieAsync(HttpClient client, string url, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task Filings_on_A_and_B_count_against_one_limit_and_a_cookie_issued_by_A_works_on_B()
    {
        var tickets = new List<Guid>();
        for (var i = 0; i < MultiInstancePortal.FilingLimit + 2; i++) tickets.Add((await portal.Data.OpenTicketAsync(Fiona, "Red Hat")).Id);
        var ravi = await SignedInAsync(portal.A.BaseUrl, Ravi); // the cookie is issued by A

        var served = new List<string>();
        for (var i = 0; i < tickets.Count; i++)
        {
            var instance = i % 2 == 0 ? portal.A : portal.B;
            await MultiInstancePortal.OpenAsync(ravi, $"{instance.BaseUrl}/tickets/{tickets[i]}/request-access");
            await ravi.ByTestId("subscription").FillAsync(Scenario.Subscription);
            await ravi.ByTestId("resource-ids").FillAsync(Scenario.ResourceGroup);
            await ravi.ByTestId("justification").FillAsync("Collect the cluster's must-gather to find why the upgrade stalled.");
            await ravi.ByTestId("submit-request").ClickAsync();
            if (i < MultiInstancePortal.FilingLimit)
            {
                await ravi.WaitForURLAsync(new Regex("/lockbox/requests/[0-9a-f-]{36}$"));
                served.Add(instance.Name);
            }
            else
            {
                await Expect(ravi.Locator("body")).ToContainTextAsync($"filed {MultiInstancePortal.FilingLimit} access requests");
                Assert.EndsWith("/request-access", new Uri(ravi.Url).AbsolutePath);
                output.WriteLine($"Filing {i + 1} on {instance.Name} refused: the limit counted the filings on {string.Join(", ", served)}");
            }
        }

        Assert.Equal(["A", "B", "A"], served); // B accepted A's cookie for one of them
        var filed = await portal.Data.Db(db => db.AccessRequests.CountAsync(r => tickets.Contains(r.TicketId)));
        Assert.Equal(MultiInstancePortal.FilingLimit, filed);
    }
}
