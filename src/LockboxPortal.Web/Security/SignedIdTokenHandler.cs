using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Security;

/// <summary>
/// Validates the Entra ID sign-in's ID tokens like IdentityModel's <see cref="JsonWebTokenHandler"/>, except that a
/// token without a signature is always refused. The OpenID Connect handler turns <c>RequireSignedTokens</c> off for
/// the ID token of the code redemption, because OpenID Connect Core (3.1.3.7) lets the TLS connection to the token
/// endpoint stand in for the signature; with that, an <c>alg: none</c> ID token signs the user in. Entra ID signs
/// every ID token, so insisting on a signature costs nothing and does not leave the session resting on the transport
/// alone (a proxy that terminates TLS, a mistyped authority, a compromised trust store).
/// </summary>
public sealed class SignedIdTokenHandler : JsonWebTokenHandler
{
    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters) =>
        base.ValidateTokenAsync(token, RequiringSignature(validationParameters));

    public override Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
        base.ValidateTokenAsync(token, RequiringSignature(validationParameters));

    private static TokenValidationParameters RequiringSignature(TokenValidationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.RequireSignedTokens) return parameters;
        // A copy: the caller's parameters are left as they were.
        var strict = parameters.Clone();
        strict.RequireSignedTokens = true;
        return strict;
    }
}
