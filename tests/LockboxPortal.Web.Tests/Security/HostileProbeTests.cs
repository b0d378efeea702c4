using System.Net;
using System.Text.Json.Nodes;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serilog.Core;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>The findings of the hostile probe (issue 13, points 15, 16, 21, 22), replayed against the real host.</summary>
[Collection(PortalHosts.Name)]
public sealed class HostileProbeTests(HostileProbeTests.Host host) : IClassFixture<HostileProbeTests.Host>
{
    public const string GatewayKey = "probe-gateway-key-0123456789";

    /// <summary>The portal with a gateway client configured and its log events captured.</summary>
    public class ProbeHost(IDictionary<string, string?>? extra) : PortalWebFactory(new Dictionary<string, string?>
    {
        ["AccessCheck:Clients:0:Name"] = "contoso-gateway",
        ["AccessCheck:Clients:0:ApiKey"] = GatewayKey,
        ["AccessCheck:Clients:0:Tenants:0"] = DemoPersonas.ContosoTenant.ToString(),
    }.Concat(extra ?? new Dictionary<string, string?>()).ToDictionary())
    {
        public LogHygieneTests.Capture Sink { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<ILogEventSink>(Sink));
        }
    }

    public sealed class Host() : ProbeHost(null);

    internal static HttpClient Anonymous(ProbeHost host) => host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Theory]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("/\u0000/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("~/lockbox")]
    public async Task A_return_url_that_is_not_a_plain_local_path_signs_in_to_the_home_page(string returnUrl)
    {
        var client = Anonymous(host);
        var token = HostSecurityTests.AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;
        var response = await client.PostAsync("/account/dev-signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["persona"] = "carol",
            ["returnUrl"] = returnUrl,
        }));
        // Refused as bad input (a NUL in a form field) or sent home; never elsewhere, never a server error.
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.BadRequest, $"answered {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.Redirect) Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_local_return_url_is_kept()
    {
        Assert.Equal("/lockbox?status=Approved", ReturnUrls.Safe("/lockbox?status=Approved"));
        var client = await host.SignInAsync(DemoPersonas.Carol, "/lockbox/administration");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/lockbox/administration")).StatusCode);
    }

    [Fact]
    public async Task A_malformed_guid_or_date_in_a_query_string_answers_400_with_a_problem_and_is_logged_as_400()
    {
        var carol = await host.SignInAsync(DemoPersonas.Carol);
        var response = await carol.GetAsync("/audit/export.csv?from=not-a-date");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("from", problem["detail"]!.GetValue<string>());
        Assert.Contains("not-a-date", problem["detail"]!.GetValue<string>());
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());

        var gateway = Anonymous(host);
        gateway.DefaultRequestHeaders.Add(AccessCheckAuthentication.ApiKeyHeader, GatewayKey);
        var api = await gateway.GetAsync("/api/v1/access-checks?tenantId=not-a-guid&engineer=mia&resourceId=/x");
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Contains("tenantId", (await api.Content.ReadAsStringAsync()));

        // Logged as the caller's mistake (information, naming the value), not as an error with a stack trace.
        Assert.Contains(host.Sink.Lines, l => l.Contains("[INF]") && l.Contains("Bad request to /audit/export.csv") && l.Contains("not-a-date"));
        Assert.Contains(host.Sink.Lines, l => l.Contains("[INF]") && l.Contains("Bad request to /api/v1/access-checks") && l.Contains("not-a-guid"));
        Assert.DoesNotContain(host.Sink.Lines, l => l.Contains("[ERR]") || l.Contains("[FTL]"));
        Assert.DoesNotContain(host.Sink.Lines, l => l.Contains("responded 500"));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://localhost.evil.example")]
    [InlineData("http://localhost:8080")]
    [InlineData("null")]
    public async Task The_blazor_hub_refuses_a_negotiate_from_another_origin(string origin)
    {
        var carol = await host.SignInAsync(DemoPersonas.Carol);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", origin);
        var response = await carol.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("connectionToken", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_blazor_hub_accepts_a_negotiate_from_its_own_pages()
    {
        var carol = await host.SignInAsync(DemoPersonas.Carol);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", "http://localhost");
        var response = await carol.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("connectionToken", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Point 16 of issue 13: 130 wrong API keys in a second were 130 warnings and no limit.</summary>
[Collection(PortalHosts.Name)]
public sealed class UnauthenticatedApiLimitTests(UnauthenticatedApiLimitTests.Host host) : IClassFixture<UnauthenticatedApiLimitTests.Host>
{
    public sealed class Host() : HostileProbeTests.ProbeHost(new Dictionary<string, string?>
    {
        ["RateLimits:UnauthenticatedApi:PermitLimit"] = "5",
        ["RateLimits:UnauthenticatedApi:Window"] = "00:10:00",
    });

    private HttpClient Anonymous() => HostileProbeTests.Anonymous(host);

    [Fact]
    public async Task Wrong_api_keys_from_one_address_are_limited_and_the_burst_is_logged_once()
    {
        // Calls with a valid key are not failures and use none of the address's allowance.
        for (var i = 0; i < 8; i++)
        {
            var gateway = Anonymous();
            gateway.DefaultRequestHeaders.Add(AccessCheckAuthentication.ApiKeyHeader, HostileProbeTests.GatewayKey);
            var status = (await gateway.GetAsync($"/api/v1/access-checks?tenantId={DemoPersonas.ContosoTenant}&engineer=mia&resourceId=/x")).StatusCode;
            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests), $"a valid key answered {status}");
        }
        var before = host.Sink.Lines.Count(l => l.Contains("unknown API key"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            var client = Anonymous();
            client.DefaultRequestHeaders.Add(AccessCheckAuthentication.ApiKeyHeader, $"guess-{i}");
            statuses.Add((await client.GetAsync($"/api/v1/access-checks?tenantId={DemoPersonas.ContosoTenant}&engineer=mia&resourceId=/x")).StatusCode);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(35, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(5, host.Sink.Lines.Count(l => l.Contains("unknown API key")) - before);
        Assert.Single(host.Sink.Lines, l => l.Contains("without valid credentials") && l.Contains("passed 5 per"));

        var limited = Anonymous();
        limited.DefaultRequestHeaders.Add(AccessCheckAuthentication.ApiKeyHeader, "guess-again");
        var answer = await limited.GetAsync("/api/v1/access-checks");
        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        Assert.Contains("without valid credentials", await answer.Content.ReadAsStringAsync());
        Assert.NotNull(answer.Headers.RetryAfter);
    }
}

/// <summary>Entra ID sign-in: the return URL carried through the OIDC round trip is checked again when the ticket comes back.</summary>
[Collection(PortalHosts.Name)]
public sealed class ReturnUrlRecheckTests(ProductionHostTests.Host host) : IClassFixture<ProductionHostTests.Host>
{
    [Theory]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/lockbox/requests", "/lockbox/requests")]
    public async Task The_returning_sign_in_ticket_cannot_redirect_off_site(string carried, string expected)
    {
        host.CreateClient();
        var options = host.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OpenIdConnectDefaults.AuthenticationScheme);
        var http = new DefaultHttpContext { RequestServices = host.Services };
        var scheme = new AuthenticationScheme(OpenIdConnectDefaults.AuthenticationScheme, null, typeof(OpenIdConnectHandler));
        var properties = new AuthenticationProperties { RedirectUri = carried };
        var principal = DemoPersonas.Principal(DemoPersonas.Carol);
        var context = new TicketReceivedContext(http, scheme, new RemoteAuthenticationOptions(), new AuthenticationTicket(principal, properties, scheme.Name))
        {
            ReturnUri = carried,
        };

        await options.Events.TicketReceived(context);

        Assert.Equal(expected, context.ReturnUri);
        Assert.Equal(expected, context.Properties!.RedirectUri);
    }
}
