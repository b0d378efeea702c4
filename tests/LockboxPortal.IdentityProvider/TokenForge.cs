using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.IdentityProvider;

/// <summary>
/// Makes the bad tokens refusal tests need from a genuine one: another audience or issuer, expired, unsigned
/// (<c>alg: none</c>), or signed by a key the provider does not publish. Everything else stays as the provider issued it.
/// </summary>
public sealed class TokenForge(EntraIdProvider provider)
{
    public string WithAudience(string token, string audience) => Resign(token, p => p["aud"] = audience);

    public string WithIssuer(string token, string issuer) => Resign(token, p => p["iss"] = issuer);

    public string Expired(string token) => Resign(token, p =>
    {
        var now = DateTimeOffset.UtcNow;
        p["iat"] = now.AddHours(-2).ToUnixTimeSeconds();
        p["nbf"] = now.AddHours(-2).ToUnixTimeSeconds();
        p["exp"] = now.AddMinutes(-30).ToUnixTimeSeconds(); // beyond the validators' five minutes of clock skew
    });

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    public static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        return $"{header}.{parts[1]}.";
    }

    /// <summary>Signed correctly, but with a key that is in no JWKS.</summary>
    public static string SignedByUnknownKey(string token)
    {
        var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)) };
        return Sign(Payload(token), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
    }

    private string Resign(string token, Action<JsonObject> change)
    {
        var payload = Payload(token);
        change(payload);
        return Sign(payload, provider.CurrentSigningCredentials);
    }

    private static JsonObject Payload(string token) =>
        JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.Split('.')[1])))!.AsObject();

    private static string Sign(JsonObject payload, SigningCredentials credentials) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(payload.ToJsonString(), credentials);
}
