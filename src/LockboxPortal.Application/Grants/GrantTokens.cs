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
    /// when given, and that <paramref name="now"/> lies inside its validity.
    /// </summary>
    public static async Task<GrantVerification> VerifyGrantAsync(string token, IEnumerable<JsonWebKey> keys, DateTimeOffset now,
        string? issuer = null, string? audience = null)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys.ToList(),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = [GrantType],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = issuer is not null,
            ValidIssuer = issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            ValidateIssuerSigningKey = true,
            // The caller's clock, not the machine's: tests and replays check a grant at a stated instant.
            LifetimeValidator = (nbf, exp, _, _) =>
                (nbf is null || nbf.Value - ClockSkew <= now.UtcDateTime) && exp is not null && now.UtcDateTime < exp.Value + ClockSkew,
        };
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
            return new GrantVerification(false, null, Describe(result.Exception));

        var jwt = (JsonWebToken)result.SecurityToken;
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

    private static string Describe(Exception? ex) => ex switch
    {
        SecurityTokenSignatureKeyNotFoundException => "No key in the JWKS matches the grant's key id, or the signature does not verify.",
        SecurityTokenInvalidSignatureException => "The signature does not verify: the grant was altered or signed by another key.",
        SecurityTokenNotYetValidException or SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException => "The grant is outside its validity period.",
        SecurityTokenInvalidTypeException => "The token is not a Lockbox grant.",
        SecurityTokenInvalidIssuerException => "The grant was issued by another portal.",
        SecurityTokenInvalidAudienceException => "The grant is meant for another audience.",
        SecurityTokenMalformedException => "The token is not a well-formed JWS.",
        null => "The grant is not valid.",
        _ => "The grant is not valid: " + ex.GetType().Name.Replace("SecurityToken", "").Replace("Exception", "") + ".",
    };
}
