using System.Text.RegularExpressions;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Lockbox;

/// <summary>
/// Multi-party approval in a real browser: a Global Administrator makes a subscription need two approvals, an
/// engineer files for it and is told so before filing, the first approval shows "1 of 2", the second issues the grant.
/// The policy is on a subscription of its own, so the other stories on this shared portal keep needing one approval.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ApprovalPolicyBrowserTests(PortalServer server) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _contexts) await c.CloseAsync();
    }

    private async Task<IPage> As(DemoPersona persona)
    {
        var page = await server.NewSessionAsync(persona);
        _contexts.Add(page.Context);
        return page;
    }

    [Fact]
    public async Task A_policy_of_two_approvals_shows_one_of_two_after_the_first_and_the_second_issues_the_grant()
    {
        var subscription = Guid.NewGuid().ToString();
        // Adam signs in first: approvers are chosen among the tenant's users known from sign-in.
        var adam = await As(DemoPersonas.Adam);
        await adam.OpenAsync(server, "/lockbox");

        var carol = await As(DemoPersonas.Carol);
        await carol.OpenAsync(server, "/lockbox/administration/approval-policies");
        await carol.ByTestId("subscription-id").FillAsync(subscription);
        await carol.ByTestId("subscription-name").FillAsync("Payments");
        await carol.ByTestId("subscription-required").FillAsync("2");
        await carol.Locator("div.mud-select", new() { Has = carol.ByTestId("subscription-approver-select") }).Locator("div.mud-input-control").First.ClickAsync();
        await carol.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Carol Diaz" }).ClickAsync();
        await carol.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Adam Price" }).ClickAsync();
        // Closing the list: Escape alone sometimes leaves it open, so a raw click on the empty page beside it (no
        // actionability wait) follows; not in a corner, where the app bar's menu button is above the list's overlay.
        await carol.Keyboard.PressAsync("Escape");
        if (await carol.Locator(".mud-popover-open .mud-list-item").CountAsync() > 0) await carol.Mouse.ClickAsync(1100, 750);
        await Expect(carol.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await PortalServer.ScreenshotAsync(carol, "policy-subscription-form");
        await carol.ByTestId("save-subscription").ClickAsync();
        var row = carol.ByTestId("subscription-row").Filter(new() { HasText = subscription });
        await Expect(row).ToContainTextAsync("Payments");
        await Expect(row).ToContainTextAsync("Adam Price");
        await Expect(row).ToContainTextAsync("Carol Diaz");
        await PortalServer.ScreenshotAsync(carol, "policy-administration");

        // A rule is tried on the last 30 days before it is saved; one without a condition is refused. Neither is saved.
        await carol.ByTestId("rule-name").FillAsync("Short access");
        await carol.ByTestId("rule-save").ClickAsync();
        await carol.ExpectTextAsync("rule-conditions-error", "A rule needs at least one condition");
        await carol.ByTestId("rule-max-hours").FillAsync("1");
        await carol.ByTestId("rule-dry-run").ClickAsync();
        await carol.ExpectTextAsync("dry-run", "requests filed in the last 30 days");
        // A full-page capture of a scrolled page repeats the sticky app bar mid-page.
        await carol.EvaluateAsync("window.scrollTo(0, 0)");
        await PortalServer.ScreenshotAsync(carol, "policy-dry-run");
        await Expect(carol.ByTestId("rule-row")).ToHaveCountAsync(0);

        var uma = await As(DemoPersonas.Uma);
        await uma.OpenAsync(server, "/tickets/new");
        await uma.ByTestId("ticket-title").FillAsync("Payments API times out");
        await uma.ByTestId("ticket-description").FillAsync("The payments API times out for a third of the calls since this morning.");
        await uma.SubmitAndWaitForUrlAsync(server, "submit-ticket", new Regex("/tickets/[0-9a-f-]{36}$"));
        var ticketPath = new Uri(uma.Url).AbsolutePath;

        var mia = await As(DemoPersonas.Mia);
        await mia.OpenAsync(server, ticketPath + "/request-access");
        await mia.ByTestId("subscription").FillAsync(subscription);
        await mia.ByTestId("resource-ids").FillAsync($"/subscriptions/{subscription}/resourceGroups/payments-rg");
        await mia.ByTestId("justification").FillAsync("Read the payments API gateway logs to find the timeouts.");
        await mia.ExpectTextAsync("policy-preview", "needs 2 approvals from Contoso (subscription policy)");
        await PortalServer.ScreenshotAsync(mia, "policy-request-form");
        await mia.SubmitAndWaitForUrlAsync(server, "submit-request", new Regex("/lockbox/requests/[0-9a-f-]{36}$"));
        var requestPath = new Uri(mia.Url).AbsolutePath;
        await mia.ExpectTextAsync("approval-progress", "0 of 2 approvals");

        await carol.OpenAsync(server, requestPath);
        await carol.ByTestId("approve").ClickAsync();
        await carol.ByTestId("confirm-approve").ClickAsync();
        await carol.ExpectTextAsync("approval-progress", "1 of 2 approvals");
        await Expect(carol.Locator(".mud-snackbar")).ToContainTextAsync("Your approval is recorded (1 of 2 approvals)");
        await carol.ExpectTextAsync("request-status", "Customer Notified");
        await Expect(carol.ByTestId("approve")).ToHaveCountAsync(0);
        await PortalServer.ScreenshotAsync(carol, "policy-one-of-two");
        // The engineer's page follows live: still waiting, one approval in.
        await mia.ExpectTextAsync("approval-progress", "1 of 2 approvals");

        await adam.OpenAsync(server, "/lockbox");
        await Expect(adam.ByTestId("request-grid").Locator("tr", new() { HasText = "1 of 2 approvals" }).First).ToBeVisibleAsync();
        await PortalServer.ScreenshotAsync(adam, "policy-blade");
        await adam.OpenAsync(server, requestPath);
        await adam.ByTestId("approve").ClickAsync();
        await adam.ByTestId("confirm-approve").ClickAsync();
        await adam.ExpectTextAsync("request-status", "Approved");
        await adam.ExpectTextAsync("decision", "Adam Price");

        await mia.ExpectTextAsync("request-status", "Approved");
        await mia.ExpectTextAsync("grant-token", "eyJ");
        await Expect(mia.ByTestId("approval-progress")).ToHaveCountAsync(0);
        await PortalServer.ScreenshotAsync(mia, "policy-approved");
    }
}
