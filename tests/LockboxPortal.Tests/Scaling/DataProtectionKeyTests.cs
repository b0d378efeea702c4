using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Scaling;

/// <summary>With <c>DataProtection:Store=Database</c> every instance reads the same key ring from the shared database.</summary>
public sealed class DataProtectionKeyTests : IAsyncLifetime
{
    private readonly string _certificatePath = Path.Combine(Path.GetTempPath(), $"lockbox-dp-{Guid.NewGuid():N}.pfx");
    private PortalFixture? _a, _b;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_b is not null) await _b.DisposeAsync();
        if (_a is not null) await _a.DisposeAsync();
        File.Delete(_certificatePath);
    }

    private async Task StartAsync(Action<IDictionary<string, string?>> configure)
    {
        _a = new PortalFixture(configure);
        await _a.InitializeAsync();
        _b = new PortalFixture(s =>
        {
            configure(s);
            s["Database:Provider"] = _a.Configuration["Database:Provider"];
            s["ConnectionStrings:Lockbox"] = _a.Configuration["ConnectionStrings:Lockbox"];
        });
    }

    private static async Task<List<string>> KeyXmlAsync(PortalFixture f)
    {
        await using var db = await f.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();
        return await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync();
    }

    [Fact]
    public async Task What_one_instance_protects_the_other_reads_back_from_the_key_ring_in_the_database()
    {
        await StartAsync(s => s["DataProtection:Store"] = "Database");
        var protectedOnA = _a!.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Protect("session of Carol");

        var readOnB = _b!.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cookies").Unprotect(protectedOnA);

        Assert.Equal("session of Carol", readOnB);
        var keys = await KeyXmlAsync(_a);
        Assert.Single(keys);
        Assert.Contains("<masterKey", keys[0]);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(_a.DatabasePath)!, "data", "keys")) &&
                     Directory.EnumerateFiles(Path.Combine(Path.GetDirectoryName(_a.DatabasePath)!, "data", "keys")).Any());
    }

    [Fact]
    public async Task With_a_certificate_the_keys_in_the_database_are_encrypted_and_still_shared()
    {
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Lockbox Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(_certificatePath, certificate.Export(X509ContentType.Pkcs12, "test-password"));
        }
        await StartAsync(s =>
        {
            s["DataProtection:Store"] = "Database";
            s["DataProtection:Certificate:Path"] = _certificatePath;
            s["DataProtection:Certificate:Password"] = "test-password";
        });
        var protectedOnA = _a!.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("grants").Protect("signing key");

        Assert.Equal("signing key", _b!.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("grants").Unprotect(protectedOnA));
        var xml = Assert.Single(await KeyXmlAsync(_a));
        Assert.Contains("EncryptedData", xml);
        Assert.DoesNotContain("<value>", xml); // the master key is not stored in the clear
    }

    [Theory]
    [InlineData("DataProtection:Store", "Redis", "DataProtection:Store is \"Redis\"; use FileSystem (the default) or Database.")]
    [InlineData("DataProtection:Certificate:Path", "/nonexistent/dp.pfx", "does not exist")]
    public void A_wrong_key_ring_setting_stops_the_start_with_a_clear_message(string key, string value, string message)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new PortalFixture(s => s[key] = value));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public async Task A_certificate_with_a_wrong_password_stops_the_start_and_does_not_echo_the_password()
    {
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=Lockbox Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(_certificatePath, certificate.Export(X509ContentType.Pkcs12, "right-password"));
        }

        var ex = Assert.Throws<InvalidOperationException>(() => new PortalFixture(s =>
        {
            s["DataProtection:Certificate:Path"] = _certificatePath;
            s["DataProtection:Certificate:Password"] = "wrong-password-x";
        }));

        Assert.Contains("could not be read as a PKCS#12 file", ex.Message);
        Assert.DoesNotContain("wrong-password-x", ex.ToString());
    }
}
