using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Cli;
using LockboxPortal.Web.Endpoints;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Grants;

[Collection(PortalHosts.Name)]
public sealed class AccessCheckApiTests : IClassFixture<AccessCheckApiTests.Host>
{
    public const string ContosoKey = "test-key-contoso-0123456789";
    public const string FabrikamKey = "test-key-fabrikam-0123456789";

    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), "lockbox-web-keys", Guid.NewGuid().ToString("N")),
        ["AccessCheck:Clients:0:Name"] = "contoso-gateway",
        ["AccessCheck:Clients:0:ApiKey"] = ContosoKey,
        ["AccessCheck:Clients:0:Tenants:0"] = ContosoTenant.ToString(),
        ["AccessCheck:Clients:1:Name"] = "fabrikam-gateway",
        ["AccessCheck:Clients:1:ApiKey"] = FabrikamKey,
        ["AccessCheck:Clients:1:Tenants:0"] = FabrikamTenant.ToString(),
        ["AccessCheck:PermitLimit"] = "1000",
    });

    private readonly Host _host;

    public AccessCheckApiTests(Host host) => _host = host;

    private async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(Principal(persona));
        return await action(scope.ServiceProvider);
    }

    private async Task<AccessRequestDto> ApprovedContosoRequestAsync(string resourceGroup = Scenario.ResourceGroup)
    {
        _host.CreateClient(); // starts the host (migrations, demo data)
        var ticket = await As(Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A, "Azure Red Hat OpenShift", null, "Microsoft")));
        var r = await As(Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number) with { ResourceIds = [resourceGroup] }));
        return r.Status == Domain.Lockbox.AccessRequestStatus.Approved ? r
            : await As(Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(r.Id, new ApproveCommand()));
    }

    private HttpClient Client(string? apiKey)
    {
        var client = _host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static string Query(Guid tenant, string engineer, string resource) =>
        $"/api/v1/access-checks?tenantId={tenant}&engineer={Uri.EscapeDataString(engineer)}&resourceId={Uri.EscapeDataString(resource)}";

    [Fact]
    public async Task Without_credentials_the_api_answers_401_not_a_sign_in_redirect()
    {
        var response = await Client(null).GetAsync(Query(ContosoTenant, Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task With_a_wrong_api_key_the_api_answers_401()
    {
        var response = await Client(ContosoKey + "x").GetAsync(Query(ContosoTenant, Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_portal_user_cannot_call_the_api_with_the_cookie()
    {
        var browser = await _host.SignInAsync(Carol);
        var response = await browser.GetAsync(Query(ContosoTenant, Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Entitled_caller_learns_the_active_grant_and_nothing_after_revocation()
    {
        // A resource group of its own: other tests of this host approve requests for Mia too.
        var rg = Scenario.ResourceGroup + "-revocation";
        var r = await ApprovedContosoRequestAsync(rg);
        var client = Client(ContosoKey);

        var allowed = await client.GetFromJsonAsync<AccessCheckResponse>(Query(ContosoTenant, Mia.Oid.ToString(), rg + "/providers/Microsoft.Compute/virtualMachines/vm1"));
        Assert.NotNull(allowed);
        Assert.True(allowed.Allowed);
        Assert.Equal(r.Id, allowed.RequestId);
        Assert.Equal(r.AccessEndsAt!.Value.ToUnixTimeMilliseconds(), allowed.ExpiresAt!.Value.ToUnixTimeMilliseconds());

        await As(Adam, sp => sp.GetRequiredService<LockboxCommands>().RevokeAsync(r.Id, new RevokeCommand("Done.")));
        var json = await client.GetStringAsync(Query(ContosoTenant, Mia.Oid.ToString(), rg));
        Assert.Equal("""{"allowed":false,"requestId":null,"expiresAt":null}""", json);
    }

    [Fact]
    public async Task Caller_asking_about_another_tenant_gets_403_and_no_data()
    {
        await ApprovedContosoRequestAsync();
        var response = await Client(FabrikamKey).GetAsync(Query(ContosoTenant, Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("requestId", body);
        Assert.DoesNotContain(Mia.Name, body);

        var unknownTenant = await Client(FabrikamKey).GetAsync(Query(Guid.NewGuid(), Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(HttpStatusCode.Forbidden, unknownTenant.StatusCode);
        Assert.Equal(body, await unknownTenant.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Missing_parameters_are_a_400()
    {
        var response = await Client(ContosoKey).GetAsync($"/api/v1/access-checks?tenantId={ContosoTenant}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Jwks_is_anonymous_and_serves_public_keys_only_which_verify_a_grant()
    {
        var r = await ApprovedContosoRequestAsync();
        var grant = await As(Mia, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id));

        var response = await Client(null).GetAsync(GrantEndpoints.JwksPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jwks = await response.Content.ReadAsStringAsync();
        foreach (var key in JsonNode.Parse(jwks)!["keys"]!.AsArray())
        {
            Assert.Null(key!["d"]);
            Assert.Equal("EC", (string)key["kty"]!);
        }

        // The operator's offline verb, against the served JWKS.
        var file = Path.Combine(_host.Directory, "jwks.json");
        await File.WriteAllTextAsync(file, jwks);
        var output = new StringWriter();
        var exit = await PortalCommandLine.TryRunAsync(["grant", "verify", "--jwks", file, "--token", grant!.Token, "--audience", "lockbox-gateways"], output);
        Assert.Equal(PortalCommandLine.Ok, exit);
        Assert.Contains(r.Id.ToString(), output.ToString());

        var tampered = grant.Token[..^4] + (grant.Token[^4..] == "AAAA" ? "BBBB" : "AAAA");
        output = new StringWriter();
        Assert.Equal(PortalCommandLine.Failed, await PortalCommandLine.TryRunAsync(["grant", "verify", "--jwks", file, "--token", tampered], output));
        Assert.StartsWith("INVALID", output.ToString());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_access_check_api()
    {
        var doc = await Client(null).GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/access-checks", doc);
        Assert.Contains("resourceId", doc);
        Assert.DoesNotContain("/account/", doc);
    }

    [Fact]
    public async Task Audit_csv_export_is_for_the_tenants_approvers()
    {
        await ApprovedContosoRequestAsync();
        var carol = await _host.SignInAsync(Carol);
        var csv = await carol.GetAsync("/audit/export.csv?action=request.approved");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2);
        Assert.All(lines.Skip(1), l => Assert.Contains("\"request.approved\"", l));

        var uma = await _host.SignInAsync(Uma);
        Assert.Equal(HttpStatusCode.Forbidden, (await uma.GetAsync("/audit/export.csv")).StatusCode);
    }
}

public sealed class AccessCheckRateLimitTests : IAsyncLifetime
{
    private readonly PortalWebFactory _host = new(new Dictionary<string, string?>
    {
        ["DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), "lockbox-web-keys", Guid.NewGuid().ToString("N")),
        ["AccessCheck:Clients:0:Name"] = "busy-gateway",
        ["AccessCheck:Clients:0:ApiKey"] = AccessCheckApiTests.ContosoKey,
        ["AccessCheck:Clients:0:Tenants:0"] = ContosoTenant.ToString(),
        ["AccessCheck:PermitLimit"] = "3",
        ["AccessCheck:Window"] = "00:10:00",
    });

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Over_the_limit_a_caller_gets_429_with_a_clear_message_and_retry_after()
    {
        var client = _host.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AccessCheckApiTests.ContosoKey);
        var url = $"/api/v1/access-checks?tenantId={ContosoTenant}&engineer={Mia.Oid}&resourceId={Uri.EscapeDataString(Scenario.ResourceGroup)}";

        for (var i = 0; i < 3; i++)
        {
            var ok = await client.GetAsync(url);
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{(int)ok.StatusCode}: {await ok.Content.ReadAsStringAsync()}");
        }
        var limited = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("3 access checks per 600 seconds", await limited.Content.ReadAsStringAsync());
    }
}
