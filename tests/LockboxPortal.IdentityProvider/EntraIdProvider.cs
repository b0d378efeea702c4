using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace LockboxPortal.IdentityProvider;

/// <summary>
/// A local identity provider that behaves like Entra ID v2.0, on OpenIddict's OpenID Connect server in Kestrel on a
/// loopback port (HTTPS with a per-run certificate). Per-tenant paths as Entra serves them:
/// <c>{instance}{tenant}/v2.0/.well-known/openid-configuration</c>, <c>{instance}{tenant}/oauth2/v2.0/authorize|token|logout</c>,
/// <c>{instance}{tenant}/discovery/v2.0/keys</c>, where tenant is a tenant id, <c>organizations</c> or <c>common</c>;
/// tokens carry the issuer <c>{instance}{tid}/v2.0</c> of the user's (or app's) tenant.
/// </summary>
public sealed class EntraIdProvider : IAsyncDisposable
{
    public const string Organizations = "organizations";
    public const string Common = "common";
    internal const string TenantItem = "entra.tenant";

    private WebApplication? _app;

    public EntraIdProvider(IdentityDirectory? directory = null, X509Certificate2? certificate = null)
    {
        Directory = directory ?? IdentityDirectory.WithDemoPersonas();
        Certificate = certificate ?? TestCertificate.Create();
    }

    public IdentityDirectory Directory { get; }
    public X509Certificate2 Certificate { get; }
    public ProviderSessions Sessions { get; } = new();

    /// <summary>Like <c>https://login.microsoftonline.com/</c>: scheme, host, port and a trailing slash.</summary>
    public string Instance { get; private set; } = "";

    public string IssuerOf(Guid tenant) => $"{Instance}{tenant}/v2.0";
    public string TokenEndpoint(string tenant) => $"{Instance}{tenant}/oauth2/v2.0/token";

    /// <summary>Replaces the next ID token the token endpoint returns (a one-shot fault for refusal tests).</summary>
    public Func<string, string>? TamperNextIdentityToken { get; set; }

    /// <summary>The key tokens are signed with now.</summary>
    public SigningCredentials CurrentSigningCredentials => Options.SigningCredentials[0];

    private OpenIddictServerOptions Options => _app!.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(Certificate)));
        builder.Services.AddSingleton(this);
        builder.Services.AddRouting();
        builder.Services.AddOpenIddict().AddServer(o =>
        {
            // No stores: clients, users and consents live in IdentityDirectory, validated by the handlers below.
            o.EnableDegradedMode();
            o.SetAuthorizationEndpointUris("oauth2/v2.0/authorize")
             .SetTokenEndpointUris("oauth2/v2.0/token")
             .SetEndSessionEndpointUris("oauth2/v2.0/logout")
             .SetJsonWebKeySetEndpointUris("discovery/v2.0/keys")
             .SetConfigurationEndpointUris("v2.0/.well-known/openid-configuration");
            o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
             .AllowClientCredentialsFlow()
             .AllowRefreshTokenFlow();
            o.DisableScopeValidation();
            o.DisableAccessTokenEncryption();
            o.SetAccessTokenLifetime(TimeSpan.FromHours(1)).SetIdentityTokenLifetime(TimeSpan.FromHours(1));
            o.AddEphemeralEncryptionKey();
            o.AddSigningCredentials(NewSigningCredentials());
            // Entra's refresh tokens are multi-resource: a refresh may ask for any consented scope, not only the first ones.
            o.RemoveEventHandler(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor);
            // Entra accepts a scope parameter when a code is redeemed (MSAL always sends one); OpenIddict would refuse it.
            o.RemoveEventHandler(OpenIddictServerHandlers.Exchange.ValidateScopeParameter.Descriptor);
            EntraIdHandlers.Register(o);
            o.UseAspNetCore()
             .EnableAuthorizationEndpointPassthrough()
             .EnableEndSessionEndpointPassthrough();
        });

        _app = builder.Build();
        _app.Use(EntraIdEndpoints.SplitTenantSegment);
        _app.UseRouting();
        _app.UseAuthentication();
        EntraIdEndpoints.Map(_app);
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Instance = $"https://localhost:{new Uri(address).Port}/";
        // Codes and refresh tokens (internal to the provider) carry one issuer for every tenant path, so a refresh token
        // from /organizations can be redeemed at /{tid} as MSAL does; ID and access tokens get the tenant's issuer.
        Options.Issuer = new Uri(Instance);
    }

    /// <summary>
    /// Rolls the signing key: a new key signs from now on; the old one stays in the JWKS (as Entra publishes the next
    /// and previous keys) unless <paramref name="retireOld"/>, after which its tokens no longer validate anywhere.
    /// </summary>
    public SigningCredentials RollSigningKey(bool retireOld)
    {
        var options = Options;
        var next = NewSigningCredentials();
        lock (options.SigningCredentials)
        {
            if (retireOld) options.SigningCredentials.Clear();
            options.SigningCredentials.Insert(0, next);
        }
        return next;
    }

    /// <summary>A client-credential token from the token endpoint, as a gateway gets one.</summary>
    public async Task<string> RequestAppTokenAsync(AppRegistration app, string scope, Guid tenant)
    {
        using var http = new HttpClient(TestCertificate.LoopbackOnlyHandler(Certificate));
        using var response = await http.PostAsync(TokenEndpoint(tenant.ToString()), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = app.ClientId.ToString(),
            ["client_secret"] = app.Secret,
            ["scope"] = scope,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"The token endpoint refused: {body}");
        return body.GetProperty("access_token").GetString()!;
    }

    private static SigningCredentials NewSigningCredentials()
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(10)) };
        return new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Certificate.Dispose();
    }
}
