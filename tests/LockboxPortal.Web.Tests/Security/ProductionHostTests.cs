using System.Net;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>The portal as deployed: Production environment, Entra ID sign-in (never contacted here).</summary>
[Collection(PortalHosts.Name)]
public sealed class ProductionHostTests(ProductionHostTests.Host host) : IClassFixture<ProductionHostTests.Host>
{
    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["Authentication:Mode"] = "EntraId",
        ["AzureAd:TenantId"] = "11111111-1111-4111-8111-111111111111",
        ["AzureAd:ClientId"] = "22222222-2222-4222-8222-222222222222",
        ["Demo:SeedData"] = "false",
        ["https_port"] = "443",
    }, environment: "Production");

    private HttpClient Client(string baseAddress) =>
        host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(baseAddress) });

    [Fact]
    public async Task Plain_http_is_redirected_to_https()
    {
        var response = await Client("http://lockbox.test").GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("https", response.Headers.Location!.Scheme);
    }

    [Fact]
    public async Task Https_responses_carry_HSTS_and_a_CSP_that_upgrades_insecure_requests()
    {
        var response = await Client("https://lockbox.test").GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("upgrade-insecure-requests", csp);
        Assert.Contains("form-action 'self' https://login.microsoftonline.com", csp);
        HostSecurityTests.AssertSecurityHeaders(response, "production /health/live");
    }

    [Fact]
    public async Task The_error_page_is_generic()
    {
        var html = await (await Client("https://lockbox.test").GetAsync("/error")).Content.ReadAsStringAsync();
        Assert.Contains("Something went wrong", html);
        Assert.DoesNotContain("Exception", html);
        Assert.DoesNotContain("   at ", html);
    }

    [Fact]
    public void Circuits_send_no_detailed_errors_and_keep_their_limits()
    {
        var circuits = host.Services.GetRequiredService<IOptions<CircuitOptions>>().Value;
        Assert.False(circuits.DetailedErrors);
        Assert.Equal(100, circuits.DisconnectedCircuitMaxRetained);
        Assert.Equal(TimeSpan.FromMinutes(3), circuits.DisconnectedCircuitRetentionPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), circuits.JSInteropDefaultCallTimeout);
        Assert.Equal(10, circuits.MaxBufferedUnacknowledgedRenderBatches);

        var hubType = typeof(CircuitOptions).Assembly.GetType("Microsoft.AspNetCore.Components.Server.ComponentHub", throwOnError: true)!;
        var optionsType = typeof(IOptions<>).MakeGenericType(typeof(HubOptions<>).MakeGenericType(hubType));
        var options = host.Services.GetRequiredService(optionsType);
        var hub = (HubOptions)optionsType.GetProperty("Value")!.GetValue(options)!;
        Assert.Equal(32 * 1024, hub.MaximumReceiveMessageSize);
        Assert.Equal(1, hub.MaximumParallelInvocationsPerClient);
        Assert.NotEqual(true, hub.EnableDetailedErrors);
    }
}
