using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Application.Grants;

/// <summary>Claim names of a Lockbox grant (JWS, ES256, typ <see cref="GrantTokens.GrantType"/>).</summary>
public static class GrantClaims
{
    public const string RequestId = "request_id";
    public const string TenantId = "tid";
    public const string EngineerOid = "sub";
    public const string EngineerName = "name";
    public const string EngineerEmail = "email";
    public const string Organization = "org";
    public const string Ticket = "ticket";
    public const string ScopeKind = "scope_kind";
    public const string SubscriptionId = "subscription_id";
    public const string ResourceIds = "resource_ids";
}

/// <summary>What a grant says, as read back from a verified token.</summary>
public sealed record GrantContent(
    Guid RequestId,
    Guid TenantId,
    Guid EngineerOid,
    string EngineerName,
    string Organization,
    string ScopeKind,
    Guid? SubscriptionId,
    IReadOnlyList<string> ResourceIds,
    DateTimeOffset NotBefore,
    DateTimeOffset ExpiresAt,
    string KeyId);

public sealed record GrantVerification(bool IsValid, GrantContent? Grant, string? Error);

/// <summary>
/// Creates and verifies the portal's JWS. Verification uses only Microsoft.IdentityModel and the JWKS, so a
/// gateway can run the same code offline (see <see cref="VerifyGrantAsync"/>).
/// </summary>
public static class GrantTokens
{
    public const string GrantType = "lockbox-grant+jwt";
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    public static string Sign(ActiveSigningKey key, string type, IDictionary<string, object> claims,
        string? issuer = null, string? audience = null, DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, DateTimeOffset? issuedAt = null)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = type,
            Claims = claims,
            Issuer = issuer,
            Audience = audience,
            NotBefore = notBefore?.UtcDateTime,
            Expires = expires?.UtcDateTime,
            IssuedAt = issuedAt?.UtcDateTime,
            SigningCredentials = key.Credentials,
        });
    }

    /// <summary>
    /// Verifies a grant's signature against <paramref name="keys"/> (a JWKS), its type, issuer and audience
    /// when given, and that <paramref name="now"/> lies inside its validity. A refusal says which check failed —
    /// malformed, unknown key, bad signature, expired, not yet valid — so an operator knows what to fix.
    /// </summary>
    public static async Task<GrantVerification> VerifyGrantAsync(string token, IEnumerable<JsonWebKey> keys, DateTimeOffset now,
        string? issuer = null, string? audience = null)
    {
        var keyList = keys.ToList();
        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or SecurityTokenMalformedException)
        {
            return Invalid("Malformed: the token is not a JWS (three base64url parts: header.payload.signature); check it was copied whole.");
        }
        if (string.IsNullOrEmpty(parsed.Kid) || !keyList.Any(k => string.Equals(k.KeyId, parsed.Kid, StringComparison.Ordinal)))
            return Invalid($"Unknown key: the grant names signing key '{Shorten(parsed.Kid)}', which the JWKS does not hold " +
                           "(signed by another portal, or the key was retired after its grants expired).");

        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keyList,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [GrantType],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = issuer is not null,
            ValidIssuer = issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            ValidateIssuerSigningKey = true,
            // Lifetime is checked below against the caller's instant, after the signature: a forged expiry says nothing.
            ValidateLifetime = false,
        };
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
            return Invalid(Describe(result.Exception));

        var jwt = (JsonWebToken)result.SecurityToken;
        // The caller's clock, not the machine's: tests and replays check a grant at a stated instant.
        var notBefore = jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Nbf, out _) ? new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero) : (DateTimeOffset?)null;
        var expires = jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out _) ? new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero) : (DateTimeOffset?)null;
        if (expires is null)
            return Invalid("Malformed: the grant has no expiry (exp).");
        if (notBefore is { } nbf && nbf - ClockSkew > now)
            return Invalid($"Not yet valid: the grant starts at {nbf:u}, it is {now:u}.");
        if (now >= expires.Value + ClockSkew)
            return Invalid($"Expired: the grant ended at {expires.Value:u}, it is {now:u}.");

        try
        {
            var grant = new GrantContent(
                Guid.Parse(jwt.GetClaim(GrantClaims.RequestId).Value),
                Guid.Parse(jwt.GetClaim(GrantClaims.TenantId).Value),
                Guid.Parse(jwt.GetClaim(GrantClaims.EngineerOid).Value),
                jwt.TryGetPayloadValue<string>(GrantClaims.EngineerName, out var name) ? name : "",
                jwt.TryGetPayloadValue<string>(GrantClaims.Organization, out var org) ? org : "",
                jwt.TryGetPayloadValue<string>(GrantClaims.ScopeKind, out var kind) ? kind : "",
                jwt.TryGetPayloadValue<string>(GrantClaims.SubscriptionId, out var sub) && Guid.TryParse(sub, out var subId) ? subId : null,
                jwt.TryGetPayloadValue<string[]>(GrantClaims.ResourceIds, out var ids) ? ids : [],
                new DateTimeOffset(jwt.ValidFrom, TimeSpan.Zero),
                new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero),
                jwt.Kid);
            return new GrantVerification(true, grant, null);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
        {
            return new GrantVerification(false, null, "The token is signed but does not carry the claims of a Lockbox grant.");
        }
    }

    private static GrantVerification Invalid(string reason) => new(false, null, reason);

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 60 ? text : text[..60] + "…";

    private static string Describe(Exception? ex) => ex switch
    {
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException =>
            "Bad signature: the grant does not verify against its key; it was altered after signing, or is not from this portal.",
        SecurityTokenInvalidAlgorithmException => "Bad signature: the grant is not signed with ES256.",
        SecurityTokenInvalidTypeException => "Not a grant: the token's type is not a Lockbox grant (lockbox-grant+jwt).",
        SecurityTokenInvalidIssuerException => "Wrong issuer: the grant was issued by another portal.",
        SecurityTokenInvalidAudienceException => "Wrong audience: the grant is meant for other gateways.",
        SecurityTokenMalformedException or ArgumentException or FormatException =>
            "Malformed: the token's parts are not valid base64url JSON; check it was copied whole.",
        _ => "Not valid: the grant failed verification (" + (ex?.Message.Split('.')[0] ?? "no reason given") + ").",
    };
}
