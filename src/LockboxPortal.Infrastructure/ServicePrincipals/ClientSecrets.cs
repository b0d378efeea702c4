using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>Makes client secrets and the salted hashes the embedded directory verifies them with.</summary>
public static class ClientSecrets
{
    private const string Scheme = "pbkdf2-sha256";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    // The secrets are 40 random characters (~240 bits), so the work factor guards little; it stays
    // moderate to keep verification cheap while still being a real key-derivation function.
    private const int Iterations = 100_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>A 40-character secret of the characters Entra ID uses in client secrets.</summary>
    public static string NewSecret() => RandomNumberGenerator.GetString(Alphabet, 40);

    public static string Hash(string secret)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Scheme}${Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string secret, string? stored)
    {
        var parts = stored?.Split('$');
        if (parts is not [Scheme, var iterationText, var saltText, var hashText]
            || !int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
            return false;
        var expected = Convert.FromBase64String(hashText);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), Convert.FromBase64String(saltText), iterations,
            HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
