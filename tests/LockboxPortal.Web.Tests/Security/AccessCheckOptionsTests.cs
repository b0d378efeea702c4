using LockboxPortal.Web.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>
/// The API clients' configuration is refused at start with the entry that is wrong: a caller's name keys its usage
/// events, rate limit and audit entries, and a client id or API key signs in as one client only.
/// </summary>
public sealed class AccessCheckOptionsTests
{
    private const string Contoso = "c0a7050c-0000-4000-8000-000000000001";

    private static AccessCheckOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAccessCheckApi(configuration, new Production());
        return services.BuildServiceProvider().GetRequiredService<IOptions<AccessCheckOptions>>().Value;
    }

    private static Dictionary<string, string?> Clients(params (string? Name, string? ClientId, string? ApiKey)[] clients)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < clients.Length; i++)
        {
            settings[$"AccessCheck:Clients:{i}:Name"] = clients[i].Name;
            settings[$"AccessCheck:Clients:{i}:ClientId"] = clients[i].ClientId;
            settings[$"AccessCheck:Clients:{i}:ApiKey"] = clients[i].ApiKey;
            settings[$"AccessCheck:Clients:{i}:Tenants:0"] = Contoso;
        }
        return settings;
    }

    private static string Refusal(Dictionary<string, string?> settings) =>
        Assert.Throws<OptionsValidationException>(() => Bind(settings)).Message;

    [Fact]
    public void Distinct_clients_are_accepted()
    {
        var options = Bind(Clients(("contoso-gateway", Guid.NewGuid().ToString(), null), ("contoso-siem", null, "siem-key-1"), ("fabrikam-siem", null, "siem-key-2")));
        Assert.Equal(["contoso-gateway", "contoso-siem", "fabrikam-siem"], options.Clients.Select(c => c.Name));
    }

    [Fact]
    public void Two_clients_named_alike_but_for_case_are_refused_naming_both_entries()
    {
        var message = Refusal(Clients(("contoso-gateway", null, "key-1"), ("other", null, "key-2"), ("Contoso-Gateway", null, "key-3")));
        Assert.Contains("AccessCheck:Clients:2:Name 'Contoso-Gateway' is also the name of AccessCheck:Clients:0", message);
        Assert.Contains("ignoring case", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" gateway")]
    [InlineData("gate\nway")]
    public void A_missing_or_malformed_name_is_refused(string name)
    {
        var message = Refusal(Clients((name, null, "key-1")));
        Assert.Contains("AccessCheck:Clients:0:Name", message);
    }

    [Fact]
    public void A_name_longer_than_its_column_is_refused()
    {
        Assert.Single(Bind(Clients((new string('g', AccessCheckOptionsValidator.MaxNameLength), null, "key-1"))).Clients);
        Assert.Contains($"at most {AccessCheckOptionsValidator.MaxNameLength} characters",
            Refusal(Clients((new string('g', AccessCheckOptionsValidator.MaxNameLength + 1), null, "key-1"))));
    }

    [Fact]
    public void A_shared_api_key_is_refused_without_showing_it()
    {
        const string key = "shared-secret-key-7f3a";
        var message = Refusal(Clients(("gateway-a", null, key), ("gateway-b", null, key)));
        Assert.Contains("AccessCheck:Clients:1:ApiKey is also the API key of AccessCheck:Clients:0", message);
        Assert.DoesNotContain(key, message);
    }

    [Fact]
    public void A_shared_client_id_is_refused_in_any_case()
    {
        var id = Guid.NewGuid().ToString();
        var message = Refusal(Clients(("gateway-a", id, null), ("gateway-b", id.ToUpperInvariant(), null)));
        Assert.Contains("AccessCheck:Clients:1:ClientId is also the client id of AccessCheck:Clients:0", message);
    }

    [Theory]
    [InlineData(" 6d3b0000-0000-4000-8000-000000000001", null)]
    [InlineData(null, "key-with-a-space ")]
    public void A_client_id_or_key_with_an_outer_space_is_refused(string? clientId, string? apiKey)
    {
        var message = Refusal(Clients(("gateway", clientId, apiKey)));
        Assert.Contains("starts or ends with a space", message);
        Assert.DoesNotContain("key-with-a-space", message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var settings = Clients(("gateway", null, "key"), ("GATEWAY", null, "key"));
        settings["AccessCheck:PermitLimit"] = "0";
        var failures = Assert.Throws<OptionsValidationException>(() => Bind(settings)).Failures.ToList();
        Assert.Equal(3, failures.Count);
    }

    private sealed class Production : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "LockboxPortal.Web";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
