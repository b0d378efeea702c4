using System.Net;
using System.Text.RegularExpressions;
using LockboxPortal.IdentityProvider;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Identity.Web;
using Microsoft.Playwright;
using WireMock.Server;

namespace LockboxPortal.EndToEnd.Tests.Support;

/// <summary>
/// The portal in <c>Authentication:Mode=EntraId</c> against the local Entra ID provider (OpenIddict on loopback HTTPS),
/// both started here, with Graph and Resource Manager answered by WireMock and Chromium driven by Playwright. The portal
/// reaches the provider through configuration alone; the only test wiring is trust in the per-run TLS certificate
/// (where production uses the machine's trust store) and a refusal of every non-loopback host.
/// </summary>
public class EntraIdPortal : IAsyncLifetime
{
    /// <summary>Where the portal's app registration and the gateways' registrations live.</summary>
    public static readonly Guid OperatorTenant = Guid.Parse("0be7a700-0000-4000-8000-0000000000aa");
    /// <summary>A customer tenant the portal has never seen.</summary>
    public static readonly Guid NorthwindTenant = Guid.Parse("a0b1c2d3-0000-4000-8000-0000000000d1");
    /// <summary>A tenant outside AzureAd:AllowedTenants.</summary>
    public static readonly Guid TailspinTenant = Guid.Parse("7a115e1a-0000-4000-8000-0000000000e1");

    public static readonly DirectoryUser Nora = new("nora.quinn@support.microsoft.com", "Nora Quinn",
        Guid.Parse("b0000000-0000-4000-8000-0000000000e3"), DemoPersonas.MicrosoftTenant, false, []);
    public static readonly DirectoryUser Nils = new("nils.berg@northwind.example", "Nils Berg",
        Guid.Parse("b0000000-0000-4000-8000-0000000000d1"), NorthwindTenant, true, []);
    public static readonly DirectoryUser Tess = new("tess.lane@tailspin.example", "Tess Lane",
        Guid.Parse("b0000000-0000-4000-8000-0000000000e1"), TailspinTenant, true, []);

    private Factory? _factory;
    private IPlaywright? _playwright;

    public EntraIdProvider Provider { get; } = new();
    public WireMockServer Azure { get; } = WireMockServer.Start();
    public AppRegistration PortalApp { get; } = new(Guid.NewGuid(), "Lockbox Portal", OperatorTenant);
    public AppRegistration ContosoGateway { get; } = new(Guid.NewGuid(), "Contoso access gateway", OperatorTenant);
    public AppRegistration GatewayWithoutRole { get; } = new(Guid.NewGuid(), "Gateway without the app role", OperatorTenant);
    public AppRegistration UnlistedGateway { get; } = new(Guid.NewGuid(), "Gateway not configured in the portal", OperatorTenant);

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IServiceProvider Services => _factory!.Services;
    public string PortalDatabasePath => _factory!.DatabasePath;

    public async Task InitializeAsync()
    {
        foreach (var user in new[] { Nora, Nils, Tess }) Provider.Directory.AddUser(user);
        foreach (var app in new[] { PortalApp, ContosoGateway, GatewayWithoutRole, UnlistedGateway }) Provider.Directory.Register(app);
        ContosoGateway.AppRoleAssignments[PortalApp.ClientId] = [Application.Security.AppRoles.AccessCheckRead];
        UnlistedGateway.AppRoleAssignments[PortalApp.ClientId] = [Application.Security.AppRoles.AccessCheckRead];
        await Provider.StartAsync();

        _factory = new Factory(this, new Dictionary<string, string?>
        {
            ["Authentication:Mode"] = "EntraId",
            ["AzureAd:Instance"] = Provider.Instance,
            ["AzureAd:TenantId"] = "organizations",
            ["AzureAd:ClientId"] = PortalApp.ClientId.ToString(),
            ["AzureAd:ClientSecret"] = PortalApp.Secret,
            ["AzureAd:AllowedTenants:0"] = DemoPersonas.ContosoTenant.ToString(),
            ["AzureAd:AllowedTenants:1"] = DemoPersonas.FabrikamTenant.ToString(),
            ["AzureAd:AllowedTenants:2"] = DemoPersonas.MicrosoftTenant.ToString(),
            ["AzureAd:AllowedTenants:3"] = DemoPersonas.RedHatTenant.ToString(),
            ["AzureAd:AllowedTenants:4"] = NorthwindTenant.ToString(),
            ["Lockbox:EnabledForNewTenants"] = "true",
            ["AccessCheck:JwtAuthority"] = Provider.IssuerOf(OperatorTenant),
            ["AccessCheck:JwtAudience"] = PortalApp.ClientId.ToString(),
            ["AccessCheck:Clients:0:Name"] = "contoso-gateway",
            ["AccessCheck:Clients:0:ClientId"] = ContosoGateway.ClientId.ToString(),
            ["AccessCheck:Clients:0:Tenants:0"] = DemoPersonas.ContosoTenant.ToString(),
            ["AccessCheck:Clients:1:Name"] = "gateway-without-role",
            ["AccessCheck:Clients:1:ClientId"] = GatewayWithoutRole.ClientId.ToString(),
            ["AccessCheck:Clients:1:Tenants:0"] = DemoPersonas.ContosoTenant.ToString(),
            ["ServicePrincipals:Provisioner"] = "Azure",
            ["ServicePrincipals:GraphBaseUrl"] = Azure.Url + "/v1.0",
            ["ServicePrincipals:ArmBaseUrl"] = Azure.Url,
        });
        _factory.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(Provider.Certificate)));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = $"https://localhost:{new Uri(address).Port}";
        PortalApp.RedirectUris.Add($"{BaseUrl}/signin-oidc");
        PortalApp.PostLogoutRedirectUris.Add($"{BaseUrl}/signout-callback-oidc");

        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = PortalServer.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A fresh browser at the portal, sent to the provider's login page, signing in as <paramref name="user"/>.</summary>
    public async Task<IPage> SignInAsync(DirectoryUser user)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(BaseUrl + "/");
        await SubmitLoginAsync(page, user);
        return page;
    }

    public async Task<IPage> NewPageAsync()
    {
        // The per-run certificate is trusted by the portal's HTTP clients; Chromium is told to accept it instead.
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(45_000);
        return await context.NewPageAsync();
    }

    public async Task SubmitLoginAsync(IPage page, DirectoryUser user)
    {
        await page.WaitForAddressAsync(new Regex($"^{Regex.Escape(Provider.Instance)}.*/oauth2/v2\\.0/authorize"));
        await page.FillAsync("#username", user.UserName);
        await page.FillAsync("#password", Provider.Directory.Password);
        await page.ClickAsync("#signin");
    }

    /// <summary>An HTTP client for the portal's API that trusts the run's certificate.</summary>
    public HttpClient ApiClient() =>
        new(TestCertificate.LoopbackOnlyHandler(Provider.Certificate)) { BaseAddress = new Uri(BaseUrl) };

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        Azure.Stop();
        Azure.Dispose();
        await Provider.DisposeAsync();
    }

    private sealed class Factory(EntraIdPortal portal, IDictionary<string, string?> settings) : PortalWebFactory(settings)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var certificate = portal.Provider.Certificate;
            builder.ConfigureTestServices(services =>
            {
                services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => TestCertificate.LoopbackOnlyHandler(certificate)));
                // Without a client name the issuer validator makes its own HttpClient, outside the factory's defaults.
                services.Configure<AadIssuerValidatorOptions>(o => o.HttpClientName = "entra-issuer-metadata");
                services.Configure<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme,
                    o => o.BackchannelHttpHandler = TestCertificate.LoopbackOnlyHandler(certificate));
                services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme,
                    o => o.BackchannelHttpHandler = TestCertificate.LoopbackOnlyHandler(certificate));
            });
        }
    }
}
