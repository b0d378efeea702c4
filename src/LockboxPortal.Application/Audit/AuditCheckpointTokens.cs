using System.Security.Cryptography;
using System.Text;
using LockboxPortal.Application.Grants;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Application.Audit;

/// <summary>What a checkpoint's signature says, once verified.</summary>
public sealed record SignedCheckpoint(Guid? ChainId, long? Number, long Sequence, string Hash, string? PreviousHash);

/// <summary>The JWS of a checkpoint: signed with the portal's signing key, the same text in the database and in the anchor.</summary>
public static class AuditCheckpointTokens
{
    public const string Type = "lockbox-checkpoint+jwt";

    public static string Sign(ActiveSigningKey key, Guid chainId, long number, long sequence, string hash, string previousHash, DateTimeOffset now) =>
        GrantTokens.Sign(key, Type, new Dictionary<string, object>
        {
            ["chain"] = chainId.ToString("D"),
            ["n"] = number,
            ["seq"] = sequence,
            ["hash"] = hash,
            ["prev"] = previousHash,
        }, issuedAt: now);

    /// <summary>SHA-256 (hex) of a checkpoint's JWS: what the next checkpoint names as its previous one.</summary>
    public static string HashOf(string signature) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(signature)));

    /// <summary>
    /// The claims of a checkpoint whose signature verifies against one of <paramref name="keys"/>; null when it
    /// does not. Checkpoints from before per-tenant chains carry only seq and hash.
    /// </summary>
    public static async Task<SignedCheckpoint?> VerifyAsync(string jws, IEnumerable<JsonWebKey> keys)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(jws, new TokenValidationParameters
        {
            IssuerSigningKeys = keys.ToList(),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [Type],
            RequireSignedTokens = true,
            RequireExpirationTime = false,
            ValidateLifetime = false,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateIssuerSigningKey = true,
        });
        if (!result.IsValid) return null;
        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<long>("seq", out var seq) || !jwt.TryGetPayloadValue<string>("hash", out var hash)) return null;
        Guid? chain = jwt.TryGetPayloadValue<string>("chain", out var c) && Guid.TryParse(c, out var g) ? g : null;
        long? number = jwt.TryGetPayloadValue<long>("n", out var n) ? n : null;
        string? previous = jwt.TryGetPayloadValue<string>("prev", out var p) ? p : null;
        return new SignedCheckpoint(chain, number, seq, hash, previous);
    }
}
