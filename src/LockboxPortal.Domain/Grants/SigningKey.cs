namespace LockboxPortal.Domain.Grants;

/// <summary>
/// One of the portal's ES256 key pairs. The public half is served in the JWKS while the key is active or a
/// grant it signed is still unexpired; the private half, when the portal generated it, is stored protected
/// by ASP.NET Core Data Protection (never in the clear).
/// </summary>
public class SigningKey
{
    /// <summary>RFC 7638 thumbprint of the public key.</summary>
    public required string KeyId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }

    /// <summary>The public key as a JWK (kty, crv, x, y).</summary>
    public required string PublicJwk { get; set; }

    /// <summary>Data-Protection-protected PKCS#8; null when the private key comes from configuration.</summary>
    public string? ProtectedPrivateKey { get; set; }

    public bool IsActive => RetiredAt is null;
}

/// <summary>The signed grant issued when a request was approved, kept so its engineer can copy it again.</summary>
public class AccessGrant
{
    public Guid RequestId { get; set; }
    public Guid TenantId { get; set; }
    public required string KeyId { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset NotBefore { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Compact JWS (ES256). Not a secret to its owner; never written to logs or audit details.</summary>
    public required string Token { get; set; }
}
