using System.Text.RegularExpressions;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Lockbox;

/// <summary>The product's story in a real browser: a ticket, an access request, the customer's decision.</summary>
[Collection(PortalCollection.Name)]
public sealed partial class LockboxStoryTests(PortalServer server) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _contexts) await c.CloseAsync();
    }

    /// <summary>A signed-in browser context of <paramref name="persona"/> on a blank page: each use opens its page first.</summary>
    private async Task<IPage> As(DemoPersona persona, int width = 1366)
    {
        var page = await server.NewSessionAsync(persona, width);
        _contexts.Add(page.Context);
        return page;
    }

    /// <summary>Uma opens a Microsoft ticket (assigned to Mia); Mia files a request on it. Returns the request's page URL.</summary>
    private async Task<(IPage Mia, string RequestUrl, string Ticket)> FileRequestAsync(string justification, string? screenshotPrefix = null)
    {
        var uma = await As(DemoPersonas.Uma);
        await uma.OpenAsync(server, "/tickets/new");
        await uma.ByTestId("ticket-title").FillAsync("Nodes NotReady after maintenance");
        await uma.ByTestId("ticket-description").FillAsync("Three worker nodes report NotReady since the maintenance window.");
        if (screenshotPrefix is not null) await PortalServer.ScreenshotAsync(uma, screenshotPrefix + "-open-ticket");
        await uma.SubmitAndWaitForUrlAsync(server, "submit-ticket", new Regex("/tickets/[0-9a-f-]{36}$"));
        await Expect(uma.Locator("h1")).ToContainTextAsync(new Regex("Ticket [0-9]{16}"));
        var heading = await uma.Locator("h1").InnerTextAsync();
        var ticket = TicketNumber().Match(heading).Value;
        Assert.Matches("^[0-9]{16}$", ticket);
        var ticketUrl = uma.Url;
        Assert.Contains("Mia Chen", await uma.Locator(".lb-facts").InnerTextAsync());

        var mia = await As(DemoPersonas.Mia);
        await mia.OpenAsync(server, new Uri(ticketUrl).AbsolutePath + "/request-access");
        await mia.ByTestId("subscription").FillAsync("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        await mia.ByTestId("resource-ids").FillAsync("/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/aro-prod-rg");
        await mia.ByTestId("justification").FillAsync(justification);
        Assert.Equal("8", await mia.ByTestId("duration").InputValueAsync());
        if (screenshotPrefix is not null) await PortalServer.ScreenshotAsync(mia, screenshotPrefix + "-request-access-form");
        await mia.SubmitAndWaitForUrlAsync(server, "submit-request", new Regex("/lockbox/requests/[0-9a-f-]{36}$"));
        await Expect(mia.ByTestId("request-status")).ToBeVisibleAsync();
        return (mia, new Uri(mia.Url).AbsolutePath, ticket);
    }

    [Fact]
    public async Task A_request_goes_from_ticket_to_approval_and_the_engineer_sees_the_end_time_live()
    {
        var (mia, requestUrl, ticket) = await FileRequestAsync("Inspect kubelet logs on the NotReady nodes to find the cause.", "story");
        await mia.ExpectTextAsync("request-status", "Customer Notified");
        await PortalServer.ScreenshotAsync(mia, "story-engineer-pending");

        var carol = await As(DemoPersonas.Carol);
        await carol.OpenAsync(server, "/lockbox");
        var row = carol.ByTestId("request-grid").Locator("tr", new() { HasText = ticket });
        await Expect(row).ToContainTextAsync("Customer Notified");
        await Expect(carol.ByTestId("pending-badge")).ToBeVisibleAsync();
        await PortalServer.ScreenshotAsync(carol, "blade");
        await row.Locator("a").ClickAsync();
        await Expect(carol).ToHaveURLAsync(new Regex(Regex.Escape(requestUrl) + "$"));
        await carol.ExpectTextAsync("justification", "kubelet logs");
        await PortalServer.ScreenshotAsync(carol, "request-details-pending");

        await carol.ByTestId("approve").ClickAsync();
        await Expect(carol.ByTestId("approve-dialog")).ToBeVisibleAsync();
        await PortalServer.ScreenshotAsync(carol, "approve-dialog");
        await carol.ByTestId("confirm-approve").ClickAsync();
        await carol.ExpectTextAsync("request-status", "Approved");
        await carol.ExpectTextAsync("access-countdown", "left");

        // Mia's page was open all along: the decision arrives without a reload.
        await mia.ExpectTextAsync("request-status", "Approved");
        await mia.ExpectTextAsync("decision", "Carol Diaz");
        await mia.ExpectTextAsync("access-window", "UTC");
        await mia.ExpectTextAsync("grant-token", "eyJ");
        await mia.ExpectTextAsync("history", "Approved by Carol Diaz");
        await PortalServer.ScreenshotAsync(mia, "story-engineer-approved");

        await mia.OpenAsync(server, "/engineer/requests");
        await Expect(mia.ByTestId("request-grid").Locator("tr", new() { HasText = ticket })).ToContainTextAsync("Approved");
        await PortalServer.ScreenshotAsync(mia, "my-requests");
    }

    [Fact]
    public async Task A_denial_needs_a_reason_and_the_engineer_sees_it()
    {
        var (mia, requestUrl, _) = await FileRequestAsync("Collect a must-gather from the cluster to analyse node health.");

        var adam = await As(DemoPersonas.Adam);
        await adam.OpenAsync(server, requestUrl);
        await adam.ByTestId("deny").ClickAsync();
        await adam.ByTestId("confirm-deny").ClickAsync();
        await Expect(adam.ByTestId("deny-dialog")).ToContainTextAsync("Give the engineer a reason");
        await PortalServer.ScreenshotAsync(adam, "deny-dialog-validation");
        await adam.ByTestId("deny-reason").FillAsync("Please send the must-gather yourself from the support tool.");
        await adam.ByTestId("confirm-deny").ClickAsync();
        await adam.ExpectTextAsync("request-status", "Denied");

        await mia.ExpectTextAsync("request-status", "Denied");
        await mia.ExpectTextAsync("decision", "Please send the must-gather yourself");
        await Expect(mia.ByTestId("withdraw")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task One_decision_dialog_serves_approve_deny_and_revoke_and_a_revoke_needs_a_reason()
    {
        var (mia, requestUrl, _) = await FileRequestAsync("Restart the ingress router pods that stopped answering health probes.");
        var shots = Path.Combine(PortalServer.ScreenshotDirectory, "13");
        Directory.CreateDirectory(shots);

        var carol = await As(DemoPersonas.Carol);
        await carol.OpenAsync(server, requestUrl);
        await carol.ByTestId("deny").ClickAsync();
        await Expect(carol.ByTestId("deny-dialog")).ToContainTextAsync("Reason (required)");
        await PortalServer.ScreenshotAsync(carol, "13/deny-dialog-desktop");
        await carol.ByTestId("cancel-deny").ClickAsync();
        await Expect(carol.ByTestId("deny-dialog")).ToHaveCountAsync(0);

        await carol.ByTestId("approve").ClickAsync();
        await Expect(carol.ByTestId("approve-duration")).ToBeVisibleAsync();
        await Expect(carol.ByTestId("approve-dialog")).ToContainTextAsync("Comment for the engineer (optional)");
        await PortalServer.ScreenshotAsync(carol, "13/approve-dialog-desktop");
        await carol.ByTestId("confirm-approve").ClickAsync();
        await carol.ExpectTextAsync("request-status", "Approved");
        await carol.ByTestId("revoke").ClickAsync();
        await Expect(carol.ByTestId("revoke-dialog")).ToContainTextAsync("ends now instead of at");
        await PortalServer.ScreenshotAsync(carol, "13/revoke-dialog-desktop");
        await carol.ByTestId("cancel-revoke").ClickAsync();
        await Expect(carol.ByTestId("revoke-dialog")).ToHaveCountAsync(0);

        // Revoke at phone width: the same dialog, the same rule, and the refusal is said by the field.
        var adam = await server.NewSessionAsync(DemoPersonas.Adam, 390, 844);
        _contexts.Add(adam.Context);
        await adam.OpenAsync(server, requestUrl);
        await adam.ByTestId("revoke").ClickAsync();
        await Expect(adam.ByTestId("revoke-dialog")).ToContainTextAsync("Reason (required)");
        await PortalServer.ScreenshotAsync(adam, "13/revoke-dialog-phone");
        await adam.ByTestId("confirm-revoke").ClickAsync();
        await Expect(adam.ByTestId("revoke-dialog")).ToContainTextAsync("Give the engineer a reason for revoking the access.");
        await PortalServer.ScreenshotAsync(adam, "13/revoke-dialog-refused-phone");
        await adam.ByTestId("revoke-reason").FillAsync("The router pods are healthy again; no further access needed.");
        await adam.ByTestId("confirm-revoke").ClickAsync();
        await adam.ExpectTextAsync("request-status", "Revoked");

        await carol.ExpectTextAsync("request-status", "Revoked");
        await Expect(carol.ByTestId("revoke")).ToHaveCountAsync(0);
        await mia.ExpectTextAsync("ending", "The router pods are healthy again");
    }

    [Fact]
    public async Task A_click_anywhere_on_a_blade_row_opens_its_request_in_the_same_page()
    {
        var (_, requestUrl, ticket) = await FileRequestAsync("Collect the etcd member health for the support case.");

        var carol = await As(DemoPersonas.Carol);
        await carol.OpenAsync(server, "/lockbox");
        var row = carol.ByTestId("request-grid").Locator("tbody tr", new() { HasText = ticket });
        await Expect(row).ToHaveAttributeAsync("data-href", requestUrl);
        await carol.EvaluateAsync("() => window.__samePage = true");
        await row.Locator("td").Nth(2).ClickAsync(); // the status cell, not the link

        await Expect(carol).ToHaveURLAsync(server.BaseUrl + requestUrl);
        await Expect(carol.ByTestId("request-status")).ToBeVisibleAsync();
        Assert.True(await carol.EvaluateAsync<bool>("() => window.__samePage === true"), "the router navigated in the circuit, without loading a page");
    }

    [Fact]
    public async Task Fabrikam_never_sees_Contosos_request()
    {
        var (_, requestUrl, ticket) = await FileRequestAsync("Check the machine config operator status on the nodes.");

        var fiona = await As(DemoPersonas.Fiona);
        await fiona.OpenAsync(server, "/lockbox");
        await Expect(fiona.ByTestId("request-grid")).ToBeVisibleAsync();
        await Expect(fiona.ByTestId("request-grid")).Not.ToContainTextAsync(ticket);
        await fiona.OpenAsync(server, requestUrl);
        await Expect(fiona.Locator("h1")).ToContainTextAsync("not found");
        await Expect(fiona.ByTestId("approve")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_user_without_the_role_gets_the_access_denied_page_for_Administration()
    {
        var uma = await As(DemoPersonas.Uma);
        await uma.OpenAsync(server, "/lockbox/administration");
        await Expect(uma.Locator("h1")).ToContainTextAsync("Access denied");
        await Expect(uma.ByTestId("lockbox-switch")).ToHaveCountAsync(0);
        await PortalServer.ScreenshotAsync(uma, "access-denied");

        var mia = await As(DemoPersonas.Mia);
        await mia.OpenAsync(server, "/lockbox");
        await Expect(mia.Locator("h1")).ToContainTextAsync("Access denied");
    }

    [Fact]
    public async Task With_lockbox_switched_off_the_next_request_is_approved_automatically_and_says_why()
    {
        var carol = await As(DemoPersonas.Carol);
        await carol.OpenAsync(server, "/lockbox/administration");
        await PortalServer.ScreenshotAsync(carol, "administration");
        await carol.ByTestId("lockbox-switch").ClickAsync();
        await Expect(carol.Locator(".mud-dialog")).ToContainTextAsync("approved automatically");
        await PortalServer.ScreenshotAsync(carol, "administration-confirm-off");
        await carol.Locator(".mud-dialog button", new() { HasText = "Switch off" }).ClickAsync();
        await carol.ExpectTextAsync("last-change", "switched off by Carol Diaz");
        try
        {
            var (mia, _, _) = await FileRequestAsync("Restart the stuck machine config daemon pods on the nodes.");
            await mia.ExpectTextAsync("request-status", "Approved");
            await mia.ExpectTextAsync("decision", "Lockbox is off for Contoso");
            await PortalServer.ScreenshotAsync(mia, "auto-approved");
        }
        finally
        {
            await carol.ByTestId("lockbox-switch").ClickAsync();
            await carol.Locator(".mud-dialog button", new() { HasText = "Switch on" }).ClickAsync();
            await carol.ExpectTextAsync("last-change", "switched on by Carol Diaz");
        }
    }

    [Fact]
    public async Task A_double_click_on_approve_submits_once()
    {
        var (_, requestUrl, _) = await FileRequestAsync("Capture a heap dump of the ingress operator pod.");
        var adam = await As(DemoPersonas.Adam);
        await adam.OpenAsync(server, requestUrl);
        await adam.ByTestId("approve").ClickAsync();
        await adam.ByTestId("confirm-approve").DblClickAsync();
        await adam.ExpectTextAsync("request-status", "Approved");
        await Expect(adam.Locator(".mud-snackbar", new() { HasText = "already" })).ToHaveCountAsync(0);

        var id = Guid.Parse(requestUrl.Split('/').Last());
        await using var db = await server.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Target == $"access-request/{id}" && e.Action == AuditActions.RequestApproved));
    }

    [GeneratedRegex("[0-9]{16}")]
    private static partial Regex TicketNumber();
}
