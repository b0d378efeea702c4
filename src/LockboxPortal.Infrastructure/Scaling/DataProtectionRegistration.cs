using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LockboxPortal.Infrastructure.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Infrastructure.Scaling;

public enum DataProtectionKeyStore
{
    /// <summary>A folder (<c>DataProtection:KeysPath</c>, default <c>data/keys</c>): one instance.</summary>
    FileSystem,

    /// <summary>The portal's database: every instance reads the same key ring, and it survives losing a disk.</summary>
    Database,
}

public static class DataProtectionRegistration
{
    /// <summary>
    /// The Data Protection key ring (cookies, antiforgery, and the grant signing keys are protected with it):
    /// in a folder by default, in the database with <c>DataProtection:Store=Database</c>, and encrypted at rest
    /// with a certificate when <c>DataProtection:Certificate:Path</c> is set (its password from
    /// <c>DataProtection:Certificate:Password</c>, an environment variable or secret, never the file).
    /// </summary>
    public static void AddPortalDataProtection(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection("DataProtection");
        var builder = services.AddDataProtection().SetApplicationName("LockboxPortal");

        var store = section["Store"];
        if (string.IsNullOrWhiteSpace(store) || Enum.TryParse<DataProtectionKeyStore>(store, ignoreCase: true, out var kind) && kind == DataProtectionKeyStore.FileSystem)
        {
            var keysPath = section["KeysPath"];
            keysPath = string.IsNullOrWhiteSpace(keysPath) ? Path.Combine(contentRoot, "data", "keys")
                : Path.IsPathRooted(keysPath) ? keysPath : Path.Combine(contentRoot, keysPath);
            builder.PersistKeysToFileSystem(new DirectoryInfo(keysPath));
        }
        else if (Enum.TryParse(store, ignoreCase: true, out kind) && kind == DataProtectionKeyStore.Database)
        {
            builder.PersistKeysToDbContext<LockboxDbContext>();
        }
        else
        {
            throw new InvalidOperationException($"DataProtection:Store is \"{store}\"; use FileSystem (the default) or Database.");
        }

        var certificatePath = section["Certificate:Path"];
        if (string.IsNullOrWhiteSpace(certificatePath)) return;
        certificatePath = Path.IsPathRooted(certificatePath) ? certificatePath : Path.Combine(contentRoot, certificatePath);
        var certificate = LoadCertificate(certificatePath, section["Certificate:Password"]);
        builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException($"DataProtection:Certificate:Path names {path}, which does not exist. Point it at a .pfx with a private key, or remove it.");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"DataProtection:Certificate:Path ({path}) could not be read as a PKCS#12 file with the given password (DataProtection:Certificate:Password): {ex.Message}", ex);
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"The Data Protection certificate {path} has no private key, so the portal could not read its own keys back. Export it with its private key.");
        return certificate;
    }
}
