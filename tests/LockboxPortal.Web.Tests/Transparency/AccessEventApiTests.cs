using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Integrations;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Transparency;

/// <summary>The gateway contract of POST /api/v1/access-events over HTTP, on a real SQLite file and a real SMTP server on loopback.</summary>
[Collection(PortalHosts.Name)]
public sealed class AccessEventApiTests : IClassFixture<AccessEventApiTests.Host>
{
    public const string ContosoKey = "trail-key-contoso-0123456789";
    public const string FabrikamKey = "trail-key-fabrikam-0123456789";

    public sealed class Host : PortalWebFactory
    {
        public SmtpTestServer Smtp { get; }

        public Host() : this(SmtpTestServer.StartAsync().GetAwaiter().GetResult()) { }

        private Host(SmtpTestServer smtp) : base(new Dictionary<string, string?>
        {
            ["DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), "lockbox-web-keys", Guid.NewGuid().ToString("N")),
            ["AccessCheck:Clients:0:Name"] = "contoso-gateway",
            ["AccessCheck:Clients:0:ApiKey"] = ContosoKey,
            ["AccessCheck:Clients:0:Tenants:0"] = ContosoTenant.ToString(),
            ["AccessCheck:Clients:1:Name"] = "fabrikam-gateway",
            ["AccessCheck:Clients:1:ApiKey"] = FabrikamKey,
            ["AccessCheck:Clients:1:Tenants:0"] = FabrikamTenant.ToString(),
            ["AccessCheck:PermitLimit"] = "1000",
            // Every test files a request of its own as Mia.
            ["RateLimits:RequestFiling:PermitLimit"] = "1000",
            ["Email:Transport"] = "Smtp",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = smtp.Port.ToString(),
            ["Email:Smtp:Security"] = "None",
        }) => Smtp = smtp;

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await Smtp.DisposeAsync();
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Host _host;

    public AccessEventApiTests(Host host) => _host = host;

    private async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(Principal(persona));
        return await action(scope.ServiceProvider);
    }

    private async Task<T> Db<T>(Func<ILockboxDbContext, Task<T>> query)
    {
        await using var db = await _host.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        return await query(db);
    }

    /// <summary>A request of its own per test (the host is shared), approved now; a resource group of its own scopes it.</summary>
    private async Task<AccessRequestDto> ApprovedAsync(string resourceGroup)
    {
        _host.CreateClient();
        var ticket = await As(Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A, "Azure Red Hat OpenShift", null, "Microsoft")));
        var r = await As(Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number) with { ResourceIds = [resourceGroup] }));
        return r.Status == Domain.Lockbox.AccessRequestStatus.Approved ? r
            : await As(Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(r.Id, new ApproveCommand()));
    }

    private static string Rg(string name) => $"/subscriptions/{Scenario.Subscription}/resourceGroups/{name}";

    private HttpClient Client(string? apiKey)
    {
        var client = _host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static object Event(string id, Guid grant, string resource, DateTimeOffset at, string action = "Microsoft.Compute/virtualMachines/read") =>
        new { eventId = id, grantId = grant, resourceId = resource, action, occurredAt = at };

    private Task<HttpResponseMessage> PostAsync(string? key, params object[] events) =>
        Client(key).PostAsJsonAsync(AccessEventEndpoints.Path, new { events }, Json);

    private Task<int> TrailCountAsync(Guid requestId) => Db(db => db.AccessEvents.CountAsync(e => e.RequestId == requestId));

    [Fact]
    public async Task Without_credentials_the_api_answers_401_and_records_nothing()
    {
        var r = await ApprovedAsync(Rg("trail-401"));
        var response = await PostAsync(null, Event("401-1", r.Id, Rg("trail-401"), DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var wrongKey = await PostAsync(ContosoKey + "x", Event("401-1", r.Id, Rg("trail-401"), DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(0, await TrailCountAsync(r.Id));
    }

    [Fact]
    public async Task A_gateway_of_another_tenant_is_told_the_grant_is_unknown_exactly_as_for_a_made_up_id()
    {
        var r = await ApprovedAsync(Rg("trail-cross"));
        var madeUp = Guid.NewGuid();

        var foreign = await PostAsync(FabrikamKey, Event("cross-1", r.Id, Rg("trail-cross"), DateTimeOffset.UtcNow));
        var unknown = await PostAsync(FabrikamKey, Event("cross-1", madeUp, Rg("trail-cross"), DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        var body = await foreign.Content.ReadAsStringAsync();
        Assert.Equal(body.Replace(r.Id.ToString(), "ID"), (await unknown.Content.ReadAsStringAsync()).Replace(madeUp.ToString(), "ID"));
        Assert.Contains("events[0].grantId", body);
        Assert.DoesNotContain(Mia.Name, body);
        Assert.Equal(0, await TrailCountAsync(r.Id));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "empty", "events" },
        { "no-events", "events" },
        { "too-many", "events" },
        { "unknown-grant", "events[0].grantId" },
        { "resource-too-long", "events[0].resourceId" },
        { "action-too-long", "events[0].action" },
        { "future", "events[0].occurredAt" },
        { "duplicate-ids", "events[1].eventId" },
        { "malformed-time", "occurredAt" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_a_400_problem_naming_the_field_and_changes_nothing(string kind, string field)
    {
        var rg = Rg("trail-bad-" + kind);
        var r = await ApprovedAsync(rg);
        var now = DateTimeOffset.UtcNow;
        var good = Event($"{kind}-good", r.Id, rg, now);
        var client = Client(ContosoKey);
        var auditBefore = await Db(db => db.AuditEntries.CountAsync());

        var response = kind switch
        {
            "empty" => await client.PostAsJsonAsync(AccessEventEndpoints.Path, new { events = Array.Empty<object>() }, Json),
            "no-events" => await client.PostAsJsonAsync(AccessEventEndpoints.Path, new { }, Json),
            "too-many" => await client.PostAsJsonAsync(AccessEventEndpoints.Path, new { events = Enumerable.Range(0, 101).Select(i => Event($"{kind}-{i}", r.Id, rg, now)).ToArray() }, Json),
            "unknown-grant" => await PostAsync(ContosoKey, Event($"{kind}-1", Guid.NewGuid(), rg, now), good),
            "resource-too-long" => await PostAsync(ContosoKey, Event($"{kind}-1", r.Id, rg + "/" + new string('a', 2100), now), good),
            "action-too-long" => await PostAsync(ContosoKey, Event($"{kind}-1", r.Id, rg, now, new string('x', 201)), good),
            "future" => await PostAsync(ContosoKey, Event($"{kind}-1", r.Id, rg, now.AddHours(1)), good),
            "duplicate-ids" => await PostAsync(ContosoKey, good, good),
            _ => await client.PostAsync(AccessEventEndpoints.Path, new StringContent(
                $$"""{"events":[{"eventId":"{{kind}}-1","grantId":"{{r.Id}}","resourceId":"{{rg}}","action":"read","occurredAt":"yesterday"}]}""",
                System.Text.Encoding.UTF8, "application/json")),
        };

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.True(problem.Contains(field), problem);
        Assert.Equal(0, await TrailCountAsync(r.Id));
        Assert.Equal(auditBefore, await Db(db => db.AuditEntries.CountAsync()));
    }

    [Fact]
    public async Task A_retried_post_is_idempotent()
    {
        var rg = Rg("trail-retry");
        var r = await ApprovedAsync(rg);
        var events = new[] { Event("retry-1", r.Id, rg + "/providers/Microsoft.Compute/virtualMachines/vm1", DateTimeOffset.UtcNow), Event("retry-2", r.Id, rg, DateTimeOffset.UtcNow) };

        var first = JsonNode.Parse(await (await PostAsync(ContosoKey, events)).Content.ReadAsStringAsync())!;
        var again = await PostAsync(ContosoKey, events);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
        Assert.Equal((2, 0), ((int)first["recorded"]!, (int)first["duplicates"]!));
        Assert.Equal((0, 2), ((int)second["recorded"]!, (int)second["duplicates"]!));
        Assert.True((bool)second["events"]![0]!["duplicate"]!);
        Assert.Equal(2, await TrailCountAsync(r.Id));
    }

    [Theory]
    [InlineData("before-window")]
    [InlineData("after-window")]
    [InlineData("after-revocation")]
    [InlineData("outside-scope")]
    public async Task Each_anomaly_kind_raises_one_audit_entry_and_one_alert_email_and_a_repeat_within_the_hour_no_second_email(string kind)
    {
        var rg = Rg("trail-anomaly-" + kind);
        var r = await ApprovedAsync(rg);
        var now = DateTimeOffset.UtcNow;
        var (resource, at) = (rg, now);
        switch (kind)
        {
            case "before-window":
                at = r.AccessStartsAt!.Value.AddMinutes(-10);
                break;
            case "after-window":
                // The window of this request closed an hour ago (the host runs on the real clock).
                await Db(db => db.AccessRequests.Where(x => x.Id == r.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.AccessStartsAt, now.AddHours(-3)).SetProperty(x => x.AccessEndsAt, now.AddHours(-1))));
                at = now.AddMinutes(-30);
                break;
            case "after-revocation":
                await As(Adam, sp => sp.GetRequiredService<LockboxCommands>().RevokeAsync(r.Id, new RevokeCommand("Done.")));
                at = DateTimeOffset.UtcNow;
                break;
            default:
                resource = Rg("payroll-" + kind);
                at = r.AccessStartsAt!.Value.AddSeconds(1);
                break;
        }

        var response = await PostAsync(ContosoKey, Event(kind + "-1", r.Id, resource, at));
        var repeat = await PostAsync(ContosoKey, Event(kind + "-2", r.Id, resource, at));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.OK == response.StatusCode, body);
        Assert.True(kind == (string)JsonNode.Parse(body)!["events"]![0]!["anomalies"]![0]!, body);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        var target = $"access-request/{r.Id}";
        Assert.Equal(2, await Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.AccessAnomaly && e.Target == target)));
        Assert.Equal(1, await Db(db => db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.AccessAnomaly && m.AccessRequestId == r.Id)));

        var alerts = await EventuallyAsync(() => _host.Smtp.Received.Where(m => m.Message.Subject?.StartsWith("Alert:") == true
            && (m.Message.TextBody ?? "").Contains(r.Id.ToString())).ToList(), list => list.Count >= 1);
        var alert = Assert.Single(alerts);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], alert.EnvelopeTo.Order());
    }

    [Fact]
    public async Task Access_check_answers_appear_on_the_trail()
    {
        var rg = Rg("trail-checks");
        var r = await ApprovedAsync(rg);
        var client = Client(ContosoKey);
        string Query(string resource) => $"/api/v1/access-checks?tenantId={ContosoTenant}&engineer={Uri.EscapeDataString(Mia.Email)}&resourceId={Uri.EscapeDataString(resource)}";

        Assert.Contains("\"allowed\":true", await client.GetStringAsync(Query(rg)));
        Assert.Contains("\"allowed\":false", await client.GetStringAsync(Query(Rg("trail-checks-elsewhere"))));

        var stored = await Db(db => db.AccessEvents.Where(e => e.RequestId == r.Id).OrderBy(e => e.RecordedAt).ToListAsync());
        Assert.Equal([true, false], stored.Select(e => e.Allowed!.Value));
        Assert.All(stored, e => Assert.Equal("contoso-gateway", e.Caller));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_access_events_contract()
    {
        var doc = await Client(null).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/access-events", doc);
        Assert.Contains("ReportAccessEvents", doc);
        Assert.Contains("eventId", doc);
        Assert.Contains("after-revocation", doc);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > until) return value;
            await Task.Delay(100);
        }
    }
}
