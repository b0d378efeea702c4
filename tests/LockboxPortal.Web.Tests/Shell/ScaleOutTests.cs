using System.Net;
using LockboxPortal.Web.Extensions;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Azure.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Tests.Shell;

public sealed class ScaleOutTests
{
    private static ServiceProvider Compose(string? connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ScalingExtensions.AzureSignalRConnectionString] = connectionString,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddPortalScaleOut(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void With_an_Azure_SignalR_connection_string_circuits_go_through_the_service_with_sticky_servers()
    {
        const string connection = "Endpoint=https://lockbox-test.service.signalr.net;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH=;Version=1.0;";
        using var provider = Compose(connection);

        var options = provider.GetRequiredService<IOptions<ServiceOptions>>().Value;

        Assert.Equal(connection, options.ConnectionString);
        Assert.Equal(ServerStickyMode.Required, options.ServerStickyMode);
    }

    [Fact]
    public void Without_it_the_portal_serves_its_own_circuits()
    {
        using var provider = Compose(null);
        Assert.Null(provider.GetService<IConfigureOptions<ServiceOptions>>());
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("  ", null, false)]
    [InlineData(null, "false", false)]
    [InlineData(null, "true", true)]
    [InlineData("Endpoint=https://lockbox-test.service.signalr.net;AccessKey=x;Version=1.0;", null, true)]
    [InlineData("Endpoint=https://lockbox-test.service.signalr.net;AccessKey=x;Version=1.0;", "false", true)]
    public void Pages_negotiate_their_circuit_connection_only_through_Azure_SignalR_or_when_configured(string? connectionString, string? negotiateSetting, bool negotiate)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ScalingExtensions.AzureSignalRConnectionString] = connectionString,
            [ScalingExtensions.NegotiateCircuitConnection] = negotiateSetting,
        }).Build();
        Assert.Equal(negotiate, ScalingExtensions.NegotiatesCircuitConnection(configuration));
    }

    [Fact]
    public void A_negotiate_setting_that_is_not_true_or_false_stops_the_start_naming_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ScalingExtensions.NegotiateCircuitConnection] = "sometimes",
        }).Build();
        var ex = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddPortalScaleOut(configuration));
        Assert.Contains("Circuits:Negotiate must be true or false", ex.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_connection_string_stops_the_start_with_what_to_write()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Compose("lockbox-test.service.signalr.net"));
        Assert.Contains("Endpoint=https://<name>.service.signalr.net", ex.Message);
    }
}

/// <summary>Redis configured but unreachable: the portal starts and serves, and readiness says what is degraded.</summary>
[Collection(PortalHosts.Name)]
public sealed class RedisDownHostTests : IClassFixture<RedisDownHostTests.Host>
{
    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        // A loopback port nothing listens on (reserved for the test: bound, never accepted).
        ["Redis:Configuration"] = $"127.0.0.1:{ClosedPort.Value},connectTimeout=500",
    });

    private static class ClosedPort
    {
        private static readonly System.Net.Sockets.TcpListener Listener = new(IPAddress.Loopback, 0);
        public static readonly int Value = Start();
        private static int Start()
        {
            Listener.Start();
            var port = ((IPEndPoint)Listener.LocalEndpoint).Port;
            Listener.Stop(); // free again: connections are refused
            return port;
        }
    }

    private readonly Host _host;

    public RedisDownHostTests(Host host) => _host = host;

    [Fact]
    public async Task Readiness_answers_200_degraded_and_names_Redis_while_pages_are_served()
    {
        var client = _host.CreateClient();

        var ready = await client.GetAsync("/health/ready");
        var signIn = await client.GetAsync("/account/signin");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.StartsWith("Degraded", body);
        Assert.Contains("redis: Degraded - Redis unreachable since", body);
        Assert.Contains("live updates reach only this instance's pages", body);
        Assert.DoesNotContain("database", body);
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }
}
