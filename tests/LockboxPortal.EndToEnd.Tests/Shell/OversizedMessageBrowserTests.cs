using System.Text.RegularExpressions;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Shell;

/// <summary>
/// Text larger than one circuit message may carry (issue 13.19): the page's guard stops it before it is sent and
/// says so by the field, so the circuit lives on; a client without the guard still gets its connection closed,
/// logged once with the user.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class OversizedMessageBrowserTests(PortalServer server) : IAsyncLifetime
{
    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _contexts) await c.CloseAsync();
    }

    private async Task<IPage> OpenAsAsync(DemoPersona persona, string path)
    {
        var page = await server.OpenAsAsync(persona, path);
        _contexts.Add(page.Context);
        return page;
    }

    /// <summary>A Contoso ticket Uma opens for Microsoft, which the portal assigns to Mia.</summary>
    private async Task<TicketDto> UmasTicketAsync()
    {
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(DemoPersonas.Uma));
        return await scope.ServiceProvider.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Ingress returns 502", "The default ingress controller answers 502 for every route.", TicketSeverity.B,
            "Azure Red Hat OpenShift", null, "Microsoft"));
    }

    private async Task<List<string>> JustificationsOnAsync(Guid ticketId)
    {
        await using var db = await server.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        return await db.AccessRequests.AsNoTracking().Where(r => r.TicketId == ticketId).Select(r => r.Justification).ToListAsync();
    }

    /// <summary>What a script or a paste past maxlength does: 40 KB in one input event, then its change event.</summary>
    private const string Fill40KB =
        "(el) => { el.value = 'x'.repeat(40 * 1024); el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); }";

    [Fact]
    public async Task Forty_KB_in_the_justification_is_stopped_with_a_message_by_the_field_and_the_circuit_keeps_working()
    {
        var ticket = await UmasTicketAsync();
        Assert.Equal("Mia Chen", ticket.AssignedEngineerName);
        var mia = await OpenAsAsync(DemoPersonas.Mia, $"/tickets/{ticket.Id}/request-access");
        await mia.ByTestId("subscription").FillAsync("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        var justification = mia.Locator("textarea[data-testid=justification]");

        await justification.EvaluateAsync(Fill40KB);

        var notice = mia.GetByRole(AriaRole.Alert).Filter(new() { HasText = "too long to send" });
        await Expect(notice).ToHaveTextAsync("This text is too long to send: 41 KB; the limit is 30 KB. Shorten it.");
        await Expect(justification).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(justification).ToHaveAttributeAsync("aria-describedby", new Regex(await notice.GetAttributeAsync("id") ?? "(no id)"));
        await PortalServer.ScreenshotAsync(mia, "oversized-justification-stopped");

        // The circuit is alive: the button's click reaches the server, which answers with its validation of the
        // justification it holds (still empty), and files nothing.
        await mia.ByTestId("submit-request").ClickAsync();
        await Expect(mia.GetByText("Explain why you need access in at least 10 characters.")).ToBeVisibleAsync();
        Assert.EndsWith("/request-access", mia.Url);
        await Expect(mia.Locator("#components-reconnect-modal")).Not.ToBeVisibleAsync();
        Assert.Empty(await JustificationsOnAsync(ticket.Id));
        Assert.DoesNotContain(server.LogLines, l => l.Contains("sent a message over") && l.Contains(DemoPersonas.Mia.Oid.ToString()));

        // Shortened to a normal length: the notice goes and the request is filed with that text.
        await justification.FillAsync("Collect the ingress controller logs to find the cause of the 502 answers.");
        await Expect(notice).ToHaveCountAsync(0);
        await Expect(justification).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await mia.SubmitAndWaitForUrlAsync(server, "submit-request", new Regex("/lockbox/requests/[0-9a-f-]{36}$"));
        Assert.Equal(["Collect the ingress controller logs to find the cause of the 502 answers."], await JustificationsOnAsync(ticket.Id));
    }

    [Fact]
    public async Task A_normal_justification_is_filed_without_a_notice()
    {
        var ticket = await UmasTicketAsync();
        var mia = await OpenAsAsync(DemoPersonas.Mia, $"/tickets/{ticket.Id}/request-access");
        await mia.ByTestId("subscription").FillAsync("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        // The longest justification the form allows is far below the limit.
        var longest = string.Concat(Enumerable.Repeat("Read the router pod logs. ", 80))[..2000];
        await mia.Locator("textarea[data-testid=justification]").FillAsync(longest);

        await mia.SubmitAndWaitForUrlAsync(server, "submit-request", new Regex("/lockbox/requests/[0-9a-f-]{36}$"));
        Assert.Equal(0, await mia.Locator(".lb-message-guard").CountAsync());
        Assert.Equal([longest.Trim()], await JustificationsOnAsync(ticket.Id));
    }

    [Fact]
    public async Task A_client_without_the_guard_loses_its_connection_the_close_is_logged_and_the_user_is_told_on_reconnect()
    {
        var page = await OpenAsAsync(DemoPersonas.Uma, "/tickets/new");
        var description = page.Locator("textarea[data-testid=ticket-description]");
        await description.WaitForAsync();
        // What a hostile or broken client does: no guard (its limit removed), no maxlength, 40 KB in one event.
        await page.EvaluateAsync($"() => document.querySelector('meta[name=\"{CircuitMessageLimits.MetaName}\"]').remove()");
        await description.EvaluateAsync("(el) => el.removeAttribute('maxlength')");
        await description.EvaluateAsync(Fill40KB);

        for (var i = 0; i < 100 && !server.LogLines.Any(l => l.Contains("sent a message over") && l.Contains(DemoPersonas.Uma.Oid.ToString())); i++)
            await page.WaitForTimeoutAsync(200);
        Assert.Single(server.LogLines, l => l.Contains("[WRN]") && l.Contains("sent a message over 32768 bytes") && l.Contains(DemoPersonas.Uma.Oid.ToString()));

        // The browser rejoins its circuit by itself, and the circuit's first words are why the connection dropped.
        await Expect(page.GetByText(OversizedMessageCircuitHandler.Message)).ToBeVisibleAsync();
        await PortalServer.ScreenshotAsync(page, "oversized-message");
        await page.ByTestId("submit-ticket").ClickAsync();
        await Expect(page.GetByText("title of at least 5 characters")).ToBeVisibleAsync();
        Assert.Single(server.LogLines, l => l.Contains("sent a message over") && l.Contains(DemoPersonas.Uma.Oid.ToString()));
    }
}
