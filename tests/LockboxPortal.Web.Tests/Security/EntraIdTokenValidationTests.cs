using System.Security.Cryptography;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>
/// The ID token validator the Entra ID sign-in ends up with (after Microsoft.Identity.Web has copied its options onto
/// the OpenID Connect handler's), called the way the handler calls it for the code redemption's ID token: with
/// <c>RequireSignedTokens</c> off. The browser tests (EntraIdSignInRefusalTests) drive the same refusal end to end.
/// </summary>
[Collection(PortalHosts.Name)]
public sealed class EntraIdTokenValidationTests(ProductionHostTests.Host host) : IClassFixture<ProductionHostTests.Host>
{
    private const string Issuer = "https://login.example/11111111-1111-4111-8111-111111111111/v2.0";
    private const string ClientId = "22222222-2222-4222-8222-222222222222";
    private static readonly RsaSecurityKey Key = new(RSA.Create(2048)) { KeyId = "test-key" };

    private OpenIdConnectOptions Options =>
        host.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(OpenIdConnectDefaults.AuthenticationScheme);

    /// <summary>What the handler passes for a token from the token endpoint: everything checked but the signature's presence.</summary>
    private static TokenValidationParameters CodeRedemptionParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = ClientId,
        IssuerSigningKey = Key,
        RequireSignedTokens = false,
    };

    private static string Payload() =>
        $$"""{"iss":"{{Issuer}}","aud":"{{ClientId}}","tid":"11111111-1111-4111-8111-111111111111","oid":"{{Guid.NewGuid()}}","nbf":{{DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()}},"exp":{{DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds()}}}""";

    [Fact]
    public void The_sign_in_uses_the_validator_that_requires_signatures_and_not_the_legacy_one()
    {
        Assert.IsType<SignedIdTokenHandler>(Options.TokenHandler);
        Assert.False(Options.UseSecurityTokenValidator);
        Assert.False(((JsonWebTokenHandler)Options.TokenHandler).MapInboundClaims); // tid, oid, roles keep their names
    }

    [Fact]
    public async Task An_unsigned_id_token_from_the_token_endpoint_is_refused_as_an_invalid_signature()
    {
        var parameters = CodeRedemptionParameters();
        var unsigned = new JsonWebTokenHandler().CreateToken(Payload()); // alg: none, empty signature
        Assert.Equal("none", new JsonWebToken(unsigned).Alg);

        var result = await Options.TokenHandler.ValidateTokenAsync(unsigned, parameters);

        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidSignatureException>(result.Exception);
        Assert.Equal("invalid-signature", EntraIdSignIn.ReasonFor(result.Exception));
        Assert.False(parameters.RequireSignedTokens); // the handler's parameters are left as they were
    }

    [Fact]
    public async Task A_signed_id_token_with_the_same_claims_is_still_accepted()
    {
        var signed = new JsonWebTokenHandler().CreateToken(Payload(), new SigningCredentials(Key, SecurityAlgorithms.RsaSha256));

        var result = await Options.TokenHandler.ValidateTokenAsync(signed, CodeRedemptionParameters());

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.NotNull(result.ClaimsIdentity.FindFirst("oid"));
    }

    [Fact]
    public async Task An_id_token_signed_by_a_key_nobody_publishes_is_refused_as_an_unknown_key()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "stranger" };
        var forged = new JsonWebTokenHandler().CreateToken(Payload(), new SigningCredentials(stranger, SecurityAlgorithms.RsaSha256));

        var result = await Options.TokenHandler.ValidateTokenAsync(forged, CodeRedemptionParameters());

        Assert.False(result.IsValid);
        Assert.Equal("unknown-key", EntraIdSignIn.ReasonFor(result.Exception));
    }
}
