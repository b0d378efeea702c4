using System.Net.Http.Json;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LockboxPortal.EndToEnd.Tests.Lockbox;

/// <summary>
/// What the engineer did, in a real browser: a gateway reports uses of an approved grant, the customer sees them with the
/// out-of-scope one marked, access ends, the engineer gives an account of the work and the approver acknowledges it.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class UsageTrailStoryTests(PortalServer server) : IAsyncLifetime
{
    /// <summary>The Development gateway of appsettings.Development.json, entitled to Contoso.</summary>
    public const string DevelopmentGatewayKey = "dev-only-access-check-key";
    private const string Subscription = "3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
    private const string ResourceGroup = "/subscriptions/" + Subscription + "/resourceGroups/trail-story-rg";

    private readonly List<IBrowserContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var c in _contexts) await c.CloseAsync();
    }

    private async Task<IPage> OpenAsync(DemoPersona persona, string path)
    {
        var page = await server.OpenAsAsync(persona, path);
        _contexts.Add(page.Context);
        return page;
    }

    private Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action) => As(server, persona, action);

    private static async Task<T> As<T>(PortalServer server, DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }

    private Task<AccessRequestDto> PendingRequestAsync() => PendingRequestAsync(server);

    /// <summary>Uma's ticket with Mia's pending request on it, scoped to one resource group.</summary>
    private static async Task<AccessRequestDto> PendingRequestAsync(PortalServer server)
    {
        var ticket = await As(server, DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Storage latency on the cluster", "Persistent volumes answer slowly since this morning.", TicketSeverity.B, "Azure Red Hat OpenShift", null, "Microsoft")));
        return await As(server, DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(new FileAccessRequestCommand(
            ticket.Number, Domain.Lockbox.AccessScopeKind.Subscription, Subscription, [ResourceGroup],
            "Read the storage driver logs of the cluster nodes.")));
    }

    private Task<HttpResponseMessage> ReportAsync(Guid grant, params (string Id, string Resource, string Action)[] uses) => ReportAsync(server, grant, uses);

    private static async Task<HttpResponseMessage> ReportAsync(PortalServer server, Guid grant, params (string Id, string Resource, string Action)[] uses)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", DevelopmentGatewayKey);
        var now = DateTimeOffset.UtcNow;
        return await http.PostAsJsonAsync("/api/v1/access-events", new
        {
            events = uses.Select(u => new { eventId = u.Id, grantId = grant, resourceId = u.Resource, action = u.Action, occurredAt = now }).ToArray(),
        });
    }

    /// <summary>For the accessibility check: an ended request with an in-scope and an out-of-scope use and an account waiting for review.</summary>
    public static async Task<Guid> RequestWithTrailAndAccountAsync(PortalServer server)
    {
        var r = await PendingRequestAsync(server);
        await As(server, DemoPersonas.Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(r.Id, new ApproveCommand()));
        var run = Guid.NewGuid().ToString("N")[..8];
        using var response = await ReportAsync(server, r.Id,
            ($"{run}-1", ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/node-1", "Microsoft.Compute/virtualMachines/read"),
            ($"{run}-2", $"/subscriptions/{Subscription}/resourceGroups/payroll-rg", "Microsoft.Resources/subscriptions/resourceGroups/read"));
        response.EnsureSuccessStatusCode();
        await As(server, DemoPersonas.Adam, sp => sp.GetRequiredService<LockboxCommands>().RevokeAsync(r.Id, new RevokeCommand("Done.")));
        await As(server, DemoPersonas.Mia, sp => sp.GetRequiredService<Application.Transparency.AttestationService>()
            .SubmitAsync(r.Id, new Application.Transparency.SubmitAttestationCommand("Read the node logs; nothing changed.")));
        return r.Id;
    }

    [Fact]
    public async Task The_customer_sees_what_was_accessed_with_the_anomaly_marked_and_reviews_the_engineers_account()
    {
        var r = await PendingRequestAsync();
        var requestUrl = $"/lockbox/requests/{r.Id}";

        var carol = await OpenAsync(DemoPersonas.Carol, requestUrl);
        await carol.ByTestId("approve").ClickAsync();
        await carol.ByTestId("confirm-approve").ClickAsync();
        await carol.ExpectTextAsync("request-status", "Approved");
        await carol.ExpectTextAsync("trail-empty", "No use of this access has been reported");

        var run = Guid.NewGuid().ToString("N")[..8];
        using var response = await ReportAsync(r.Id,
            ($"{run}-1", ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/node-1", "Microsoft.Compute/virtualMachines/read"),
            ($"{run}-2", $"/subscriptions/{Subscription}/resourceGroups/payroll-rg/providers/Microsoft.Storage/storageAccounts/payroll", "Microsoft.Storage/storageAccounts/listKeys/action"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        // Carol's page was open all along: the report arrives without a reload.
        await carol.ExpectTextAsync("trail-summary", "2 events reported, 1 anomaly");
        var anomaly = carol.ByTestId("trail-anomaly");
        await Expect(anomaly).ToContainTextAsync("listKeys/action");
        await Expect(anomaly.Locator("[data-testid=anomaly-outside-scope]")).ToContainTextAsync("Anomaly: used outside the approved scope");
        await Expect(carol.ByTestId("trail-event")).ToContainTextAsync("virtualMachines/read");
        await carol.ByTestId("access-trail").ScrollIntoViewIfNeededAsync();
        await PortalServer.ScreenshotAsync(carol, "trail-what-was-accessed");

        await carol.ByTestId("revoke").ClickAsync();
        await carol.ByTestId("revoke-reason").FillAsync("The storage issue is found; no more access needed.");
        await carol.ByTestId("confirm-revoke").ClickAsync();
        await carol.ExpectTextAsync("request-status", "Revoked");
        await carol.ExpectTextAsync("attestation-due", "is asked for a short account");

        var mia = await OpenAsync(DemoPersonas.Mia, requestUrl);
        await mia.ExpectTextAsync("attestation-due", "due");
        await mia.ByTestId("attestation-submit").ClickAsync();
        await mia.ExpectTextAsync("attestation", "Say what you did while you had access");
        await mia.ByTestId("attestation-account").FillAsync("Read the storage driver logs on node-1. Listing the payroll storage keys was a mistaken script; nothing was read or changed there.");
        await PortalServer.ScreenshotAsync(mia, "trail-attestation-engineer");
        await mia.ByTestId("attestation-submit").ClickAsync();
        await mia.ExpectTextAsync("attestation-review", "Waiting for the customer's review");

        await carol.ExpectTextAsync("attestation-text", "mistaken script");
        await carol.ByTestId("attestation-acknowledge").ClickAsync();
        await carol.ExpectTextAsync("attestation-review", "Acknowledged by Carol Diaz");
        await Expect(carol.ByTestId("attestation-acknowledge")).ToHaveCountAsync(0);
        await carol.ByTestId("attestation").ScrollIntoViewIfNeededAsync();
        await PortalServer.ScreenshotAsync(carol, "trail-acknowledged");

        await mia.ExpectTextAsync("attestation-review", "Acknowledged by Carol Diaz");
    }
}
