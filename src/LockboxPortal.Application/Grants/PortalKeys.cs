using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Application.Grants;

/// <summary>The key the portal signs with now: grants and audit checkpoints.</summary>
public sealed record ActiveSigningKey(string KeyId, ECDsa PrivateKey)
{
    // One credentials object per key: the token handler caches its signature provider by key, so a new
    // security key per grant made it build (and later finalize) a provider for every signature.
    public SigningCredentials Credentials { get; } = new(new ECDsaSecurityKey(PrivateKey) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256);
}

/// <summary>Where the portal's signing keys live: generated and Data-Protection-protected by default, or configured.</summary>
public interface ISigningKeyStore
{
    /// <summary>The key to sign with; generated (and stored) on first use.</summary>
    Task<ActiveSigningKey> GetActiveAsync(CancellationToken ct = default);

    /// <summary>The JWKS: the active key plus retired keys whose last grant has not expired yet.</summary>
    Task<IReadOnlyList<PublicSigningKey>> GetPublishedKeysAsync(CancellationToken ct = default);

    /// <summary>Every public key the portal has ever signed with (audit checkpoints outlive grants).</summary>
    Task<IReadOnlyList<PublicSigningKey>> GetAllPublicKeysAsync(CancellationToken ct = default);

    /// <summary>Retires the active key and starts signing with a new one; returns the new key id.</summary>
    Task<string> RotateAsync(CancellationToken ct = default);
}

/// <summary>A public EC P-256 key as a JWK: kty, crv, x, y (never d).</summary>
public sealed record PublicSigningKey(string KeyId, string X, string Y)
{
    public JsonWebKey ToJsonWebKey() => new()
    {
        Kty = JsonWebAlgorithmsKeyTypes.EllipticCurve,
        Crv = JsonWebKeyECTypes.P256,
        X = X,
        Y = Y,
        Kid = KeyId,
        Use = JsonWebKeyUseNames.Sig,
        Alg = SecurityAlgorithms.EcdsaSha256,
    };

    /// <summary>The JWK members a JWKS publishes, in a fixed order and nothing else.</summary>
    public JsonObject ToJwksEntry() => new()
    {
        ["kty"] = "EC",
        ["crv"] = "P-256",
        ["x"] = X,
        ["y"] = Y,
        ["kid"] = KeyId,
        ["use"] = "sig",
        ["alg"] = "ES256",
    };

    public string ToStoredJson() => new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = X, ["y"] = Y }.ToJsonString();

    public static PublicSigningKey FromStoredJson(string keyId, string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        return new PublicSigningKey(keyId, (string)o["x"]!, (string)o["y"]!);
    }

    public static PublicSigningKey FromECDsa(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        if (p.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            throw new InvalidOperationException("The portal signs with ES256, which needs an EC key on the P-256 curve.");
        var x = Base64UrlEncoder.Encode(p.Q.X!);
        var y = Base64UrlEncoder.Encode(p.Q.Y!);
        return new PublicSigningKey(Thumbprint(x, y), x, y);
    }

    /// <summary>RFC 7638 JWK thumbprint (SHA-256, base64url) — a key id anyone can recompute from the public key.</summary>
    public static string Thumbprint(string x, string y)
    {
        var canonical = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{x}\",\"y\":\"{y}\"}}";
        return Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static string ToJwks(IEnumerable<PublicSigningKey> keys) =>
        new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.ToJwksEntry()).ToArray()) }
            .ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
