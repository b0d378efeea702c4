using System.Security.Cryptography;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Grants;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Grants;

public sealed class SigningOptions
{
    public const string Section = "Signing";

    /// <summary>Path of a PEM file holding an EC P-256 private key (PKCS#8 or SEC1); relative to the app's root.</summary>
    public string? PrivateKeyPemFile { get; set; }

    /// <summary>The PEM itself, e.g. from the environment variable Signing__PrivateKeyPem or a Key Vault reference.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>Set by the composition root: the folder relative paths are resolved against.</summary>
    internal string BasePath { get; set; } = "";
}

/// <summary>
/// The portal's ES256 keys. By default the portal generates a P-256 key pair on first use and stores the
/// private key in the database protected by ASP.NET Core Data Protection; in production a PEM can be
/// configured instead (Signing:PrivateKeyPemFile or Signing:PrivateKeyPem) and only its public half is stored.
/// Retired keys stay published while a grant they signed is unexpired, and stay known forever for checkpoints.
/// </summary>
internal sealed class SigningKeyStore(
    ILockboxDbContextFactory dbFactory,
    IDataProtectionProvider dataProtection,
    IOptionsMonitor<SigningOptions> options,
    TimeProvider time,
    ILogger<SigningKeyStore> logger) : ISigningKeyStore, IDisposable
{
    /// <summary>How long an instance keeps signing with its cached key before looking for a rotation by another process.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ActiveSigningKey? _active;
    private DateTimeOffset _checkedAt;

    private IDataProtector Protector => dataProtection.CreateProtector("LockboxPortal.SigningKeys.v1");

    public async Task<ActiveSigningKey> GetActiveAsync(CancellationToken ct = default)
    {
        if (_active is { } cached && time.GetUtcNow() - _checkedAt < Recheck) return cached;
        await _gate.WaitAsync(ct);
        try
        {
            if (_active is { } again && time.GetUtcNow() - _checkedAt < Recheck) return again;
            _active = await LoadOrCreateAsync(ct);
            _checkedAt = time.GetUtcNow();
            return _active;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<PublicSigningKey>> GetPublishedKeysAsync(CancellationToken ct = default)
    {
        await GetActiveAsync(ct);
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.SigningKeys.AsNoTracking()
            .Where(k => k.RetiredAt == null || db.AccessGrants.Any(g => g.KeyId == k.KeyId && g.ExpiresAt > now))
            .Select(k => new { k.KeyId, k.PublicJwk, k.CreatedAt, Active = k.RetiredAt == null })
            .ToListAsync(ct);
        // The active key first: a gateway that takes the first key gets the one new grants are signed with.
        return rows.OrderByDescending(k => k.Active).ThenByDescending(k => k.CreatedAt).Select(k => PublicSigningKey.FromStoredJson(k.KeyId, k.PublicJwk)).ToList();
    }

    public async Task<IReadOnlyList<PublicSigningKey>> GetAllPublicKeysAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.SigningKeys.AsNoTracking().Select(k => new { k.KeyId, k.PublicJwk }).ToListAsync(ct);
        return rows.Select(k => PublicSigningKey.FromStoredJson(k.KeyId, k.PublicJwk)).ToList();
    }

    public async Task<string> RotateAsync(CancellationToken ct = default)
    {
        if (LoadConfiguredKey() is not null)
            throw new InvalidOperationException("The signing key comes from configuration (Signing:PrivateKeyPemFile or Signing:PrivateKeyPem); rotate it there and restart.");
        await _gate.WaitAsync(ct);
        try
        {
            var previous = (await GetActiveIdAsync(ct)) ?? "(none)";
            _active = await CreateAsync(ct);
            _checkedAt = time.GetUtcNow();
            logger.LogInformation("Signing key {Previous} retired; now signing with {KeyId}", previous, _active.KeyId);
            return _active.KeyId;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> GetActiveIdAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null)
            .OrderByDescending(k => k.CreatedAt).Select(k => k.KeyId).FirstOrDefaultAsync(ct);
    }

    private async Task<ActiveSigningKey> LoadOrCreateAsync(CancellationToken ct)
    {
        if (LoadConfiguredKey() is { } configured)
        {
            var pub = PublicSigningKey.FromECDsa(configured);
            await RecordAsync(pub, protectedPrivateKey: null, ct);
            return new ActiveSigningKey(pub.KeyId, configured);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var row = await db.SigningKeys.AsNoTracking().Where(k => k.RetiredAt == null)
                .OrderByDescending(k => k.CreatedAt).FirstOrDefaultAsync(ct);
            if (row is not null && _active?.KeyId == row.KeyId) return _active;
            if (row?.ProtectedPrivateKey is { } protectedKey)
            {
                try
                {
                    var key = ECDsa.Create();
                    key.ImportPkcs8PrivateKey(Protector.Unprotect(Convert.FromBase64String(protectedKey)), out _);
                    return new ActiveSigningKey(row.KeyId, key);
                }
                catch (CryptographicException)
                {
                    // The Data Protection key ring that protected it is gone: the private key is unrecoverable. Its
                    // public half stays published for its grants; sign from now on with a new key.
                    logger.LogWarning("The private half of signing key {KeyId} cannot be unprotected (Data Protection keys lost?); generating a new key", row.KeyId);
                }
            }
        }
        return await CreateAsync(ct);
    }

    /// <summary>Generates a key pair, stores it protected and retires every other active key, in one transaction.</summary>
    private async Task<ActiveSigningKey> CreateAsync(CancellationToken ct)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pub = PublicSigningKey.FromECDsa(key);
        var protectedKey = Convert.ToBase64String(Protector.Protect(key.ExportPkcs8PrivateKey()));
        await RecordAsync(pub, protectedKey, ct);
        logger.LogInformation("Generated signing key {KeyId}", pub.KeyId);
        return new ActiveSigningKey(pub.KeyId, key);
    }

    private async Task RecordAsync(PublicSigningKey pub, string? protectedPrivateKey, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.InTransactionAsync(async token =>
        {
            var now = time.GetUtcNow();
            await db.SigningKeys.Where(k => k.RetiredAt == null && k.KeyId != pub.KeyId)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.RetiredAt, now), token);
            var existing = await db.SigningKeys.SingleOrDefaultAsync(k => k.KeyId == pub.KeyId, token);
            if (existing is null)
            {
                db.SigningKeys.Add(new SigningKey
                {
                    KeyId = pub.KeyId,
                    CreatedAt = now,
                    PublicJwk = pub.ToStoredJson(),
                    ProtectedPrivateKey = protectedPrivateKey,
                });
            }
            else
            {
                existing.RetiredAt = null;
            }
            return 0;
        }, ct);
    }

    private ECDsa? LoadConfiguredKey()
    {
        var o = options.CurrentValue;
        var pem = o.PrivateKeyPem;
        if (string.IsNullOrWhiteSpace(pem) && !string.IsNullOrWhiteSpace(o.PrivateKeyPemFile))
        {
            var path = Path.IsPathRooted(o.PrivateKeyPemFile) ? o.PrivateKeyPemFile : Path.Combine(o.BasePath, o.PrivateKeyPemFile);
            if (!File.Exists(path))
                throw new InvalidOperationException($"Signing:PrivateKeyPemFile points to {path}, which does not exist.");
            pem = File.ReadAllText(path);
        }
        if (string.IsNullOrWhiteSpace(pem)) return null;
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            // Never echo the PEM: it is the private key.
            throw new InvalidOperationException("The configured signing key is not a PEM-encoded EC private key.");
        }
        return key;
    }

    public void Dispose() => _gate.Dispose();
}
