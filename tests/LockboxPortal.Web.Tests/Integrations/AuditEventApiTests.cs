using System.Net;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Web.Integrations;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Integrations;

[Collection(PortalHosts.Name)]
public sealed class AuditEventApiTests : IClassFixture<AuditEventApiTests.Host>
{
    private const string ContosoKey = "siem-key-contoso-0123456789";
    private const string FabrikamKey = "siem-key-fabrikam-0123456789";
    private const string BothKey = "siem-key-both-0123456789";

    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), "lockbox-web-keys", Guid.NewGuid().ToString("N")),
        ["AccessCheck:Clients:0:Name"] = "contoso-siem",
        ["AccessCheck:Clients:0:ApiKey"] = ContosoKey,
        ["AccessCheck:Clients:0:Tenants:0"] = ContosoTenant.ToString(),
        ["AccessCheck:Clients:1:Name"] = "fabrikam-siem",
        ["AccessCheck:Clients:1:ApiKey"] = FabrikamKey,
        ["AccessCheck:Clients:1:Tenants:0"] = FabrikamTenant.ToString(),
        ["AccessCheck:Clients:2:Name"] = "msp-siem",
        ["AccessCheck:Clients:2:ApiKey"] = BothKey,
        ["AccessCheck:Clients:2:Tenants:0"] = ContosoTenant.ToString(),
        ["AccessCheck:Clients:2:Tenants:1"] = FabrikamTenant.ToString(),
        ["AccessCheck:PermitLimit"] = "10000",
    })
    {
        private bool _seeded;

        /// <summary>A few audited changes in each tenant, once per host, so both chains have entries of their own.</summary>
        public async Task SeedAsync()
        {
            CreateClient();
            if (_seeded) return;
            foreach (var admin in new[] { Carol, Frank })
            {
                for (var i = 0; i < 3; i++)
                {
                    await using var scope = Services.CreateAsyncScope();
                    scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(Principal(admin));
                    var administration = scope.ServiceProvider.GetRequiredService<AdministrationService>();
                    var settings = await administration.GetSettingsAsync();
                    await administration.SetLockboxEnabledAsync(!settings.LockboxEnabled, settings.Version);
                }
            }
            _seeded = true;
        }

        public async Task<List<long>> SequencesInDatabaseAsync(Guid tenant)
        {
            await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
            return await db.AuditEntries.Where(e => e.ChainId == tenant).OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync();
        }
    }

    private readonly Host _host;

    public AuditEventApiTests(Host host) => _host = host;

    private HttpClient Client(string? apiKey)
    {
        var client = _host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static List<JsonObject> Lines(string body) =>
        body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public async Task A_caller_reads_only_its_own_tenants_events()
    {
        await _host.SeedAsync();
        var response = await Client(FabrikamKey).GetAsync(AuditEventEndpoints.Path + "?limit=1000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(AuditEventEndpoints.NdjsonContentType, response.Content.Headers.ContentType?.MediaType);

        var lines = Lines(await response.Content.ReadAsStringAsync());
        Assert.Equal((await _host.SequencesInDatabaseAsync(FabrikamTenant)).Count, lines.Count);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal(FabrikamTenant.ToString(), (string?)l["tenant"]));
        Assert.DoesNotContain(lines, l => ((string?)l["actor"])!.Contains(Carol.Name, StringComparison.Ordinal));
        Assert.Contains(lines, l => (string?)l["actor"] == Frank.Name && (string?)l["action"] == AuditActions.LockboxSwitched);
    }

    [Fact]
    public async Task Each_line_carries_the_fields_a_siem_maps()
    {
        await _host.SeedAsync();
        var line = Lines(await Client(ContosoKey).GetStringAsync(AuditEventEndpoints.Path + "?limit=1000"))
            .Last(l => (string?)l["action"] == AuditActions.LockboxSwitched);

        Assert.Equal($"{ContosoTenant:N}-{(long)line["sequence"]!}", (string?)line["id"]);
        Assert.EndsWith("Z", line["time"]!.GetValue<string>());
        Assert.Equal(Carol.Name, (string?)line["actor"]);
        Assert.Equal(Carol.Oid.ToString(), (string?)line["actorOid"]);
        Assert.Equal($"tenant/{ContosoTenant}", (string?)line["target"]);
        Assert.IsType<JsonObject>(line["details"]);
        Assert.Matches("^[0-9a-f]{64}$", (string?)line["hash"]);
        Assert.NotNull(line["previousHash"]);
        Assert.True(AuditEventCursor.TryParse((string?)line["cursor"], out var cursor));
        Assert.Equal(new AuditEventCursor(ContosoTenant, (long)line["sequence"]!), cursor);
    }

    [Fact]
    public async Task Paging_with_the_cursor_returns_every_event_once_in_chain_order()
    {
        await _host.SeedAsync();
        var client = Client(ContosoKey);
        var read = new List<JsonObject>();
        string? cursor = null;
        for (var page = 0; page < 1000; page++)
        {
            var url = AuditEventEndpoints.Path + "?limit=2" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor));
            var lines = Lines(await client.GetStringAsync(url));
            if (lines.Count == 0) break;
            Assert.True(lines.Count <= 2);
            read.AddRange(lines);
            cursor = (string?)lines[^1]["cursor"];
        }

        var expected = await _host.SequencesInDatabaseAsync(ContosoTenant);
        Assert.True(expected.Count >= 4, "the seed wrote Contoso entries");
        Assert.Equal(expected, read.Select(l => (long)l["sequence"]!).ToList());
        // Contiguous and chained: what a SIEM checks to know it missed nothing.
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), expected);
        for (var i = 1; i < read.Count; i++) Assert.Equal((string?)read[i - 1]["hash"], (string?)read[i]["previousHash"]);

        // Caught up: the last cursor answers an empty body, and resumes once there is something new.
        Assert.Empty(Lines(await client.GetStringAsync(AuditEventEndpoints.Path + "?after=" + Uri.EscapeDataString(cursor!))));
    }

    [Theory]
    [InlineData("after=not-a-cursor")]
    [InlineData("after=djEuMTIzLjQ1Ng")] // base64url of "v1.123.456": the right shape around a bad tenant
    [InlineData("after=")]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=-5")]
    [InlineData("limit=lots")]
    [InlineData("tenantId=contoso")]
    public async Task Bad_cursor_or_limit_is_a_400_problem_with_no_events(string query)
    {
        await _host.SeedAsync();
        var response = await Client(ContosoKey).GetAsync(AuditEventEndpoints.Path + "?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        Assert.Null(problem["sequence"]);
        Assert.DoesNotContain("\n{", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_cursor_of_another_tenants_feed_is_refused_not_reinterpreted()
    {
        await _host.SeedAsync();
        var contosoCursor = new AuditEventCursor(ContosoTenant, 1).Encode();
        var response = await Client(BothKey).GetAsync($"{AuditEventEndpoints.Path}?tenantId={FabrikamTenant}&after={contosoCursor}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("another tenant", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_credentials_the_feed_answers_401()
    {
        var response = await Client(null).GetAsync(AuditEventEndpoints.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Client(ContosoKey + "x").GetAsync(AuditEventEndpoints.Path)).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_portal_user_cannot_read_the_feed_with_the_cookie()
    {
        var browser = await _host.SignInAsync(Carol);
        var response = await browser.GetAsync(AuditEventEndpoints.Path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_caller_of_another_tenant_gets_403_with_no_events_whether_or_not_the_tenant_exists()
    {
        await _host.SeedAsync();
        var response = await Client(FabrikamKey).GetAsync($"{AuditEventEndpoints.Path}?tenantId={ContosoTenant}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Carol.Name, body);
        Assert.DoesNotContain("sequence", body);

        // Through a Contoso cursor too: the cursor names its tenant, and that tenant is not the caller's.
        var viaCursor = await Client(FabrikamKey).GetAsync($"{AuditEventEndpoints.Path}?after={new AuditEventCursor(ContosoTenant, 0).Encode()}");
        Assert.Equal(HttpStatusCode.Forbidden, viaCursor.StatusCode);

        var unknown = await Client(FabrikamKey).GetAsync($"{AuditEventEndpoints.Path}?tenantId={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);
        Assert.Equal(body, await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_caller_of_several_tenants_names_one_and_reads_only_that_one()
    {
        await _host.SeedAsync();
        var unnamed = await Client(BothKey).GetAsync(AuditEventEndpoints.Path);
        Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
        Assert.Contains("tenantId", await unnamed.Content.ReadAsStringAsync());

        var lines = Lines(await Client(BothKey).GetStringAsync($"{AuditEventEndpoints.Path}?tenantId={ContosoTenant}&limit=1000"));
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal(ContosoTenant.ToString(), (string?)l["tenant"]));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_feed()
    {
        var doc = await Client(null).GetStringAsync("/openapi/v1.json");
        var operation = JsonNode.Parse(doc)!["paths"]![AuditEventEndpoints.Path]!["get"]!;
        Assert.NotNull(operation["responses"]!["200"]!["content"]![AuditEventEndpoints.NdjsonContentType]);
        Assert.NotNull(operation["responses"]!["400"]);
        Assert.NotNull(operation["responses"]!["403"]);
    }
}
