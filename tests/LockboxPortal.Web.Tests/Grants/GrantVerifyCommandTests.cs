using System.Security.Cryptography;
using System.Text;
using LockboxPortal.Application.Grants;
using LockboxPortal.Web.Cli;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Tests.Grants;

/// <summary>
/// <c>grant verify</c> names what is wrong with a grant (issue 13, point 6): a corrupted token said only
/// "The grant is not valid: Argument."
/// </summary>
public sealed class GrantVerifyCommandTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-grant-verify", Guid.NewGuid().ToString("N"));
    private readonly string _jwks;
    private readonly string _keyId;

    public GrantVerifyCommandTests()
    {
        Directory.CreateDirectory(_directory);
        var published = PublicSigningKey.FromECDsa(_key);
        _keyId = published.KeyId;
        _jwks = Path.Combine(_directory, "jwks.json");
        File.WriteAllText(_jwks, PublicSigningKey.ToJwks([published]));
    }

    private string Grant(ECDsa? signer = null, string? keyId = null, DateTimeOffset? notBefore = null, DateTimeOffset? expires = null) =>
        GrantTokens.Sign(new ActiveSigningKey(keyId ?? _keyId, signer ?? _key), GrantTokens.GrantType, new Dictionary<string, object>
        {
            [GrantClaims.RequestId] = Guid.NewGuid().ToString(),
            [GrantClaims.TenantId] = Guid.NewGuid().ToString(),
            [GrantClaims.EngineerOid] = Guid.NewGuid().ToString(),
            [GrantClaims.EngineerName] = "Mia Chen",
            [GrantClaims.Organization] = "Microsoft",
            [GrantClaims.ScopeKind] = "Tenant",
            [GrantClaims.ResourceIds] = Array.Empty<string>(),
        }, notBefore: notBefore ?? Now.AddHours(-1), expires: expires ?? Now.AddHours(7));

    private async Task<(int? Exit, string Output)> VerifyAsync(string token)
    {
        var output = new StringWriter();
        var exit = await PortalCommandLine.TryRunAsync(["grant", "verify", "--jwks", _jwks, "--token", token, "--at", Now.ToString("o")], output);
        return (exit, output.ToString());
    }

    [Fact]
    public async Task A_valid_grant_verifies()
    {
        var (exit, output) = await VerifyAsync(Grant());
        Assert.Equal(PortalCommandLine.Ok, exit);
        Assert.Contains("valid grant", output);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "not a token at all", "hello" },
        { "two parts", "eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ" },
        { "header is not base64url JSON", "!!!.eyJ4IjoxfQ.c2ln" },
        { "empty", " " },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task A_corrupted_token_is_reported_as_malformed(string _, string token)
    {
        var (exit, output) = await VerifyAsync(token);
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("INVALID: Malformed:", output);
        Assert.DoesNotContain("Argument", output);
    }

    [Fact]
    public async Task A_grant_whose_payload_was_altered_is_reported_as_a_bad_signature()
    {
        var parts = Grant().Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("Mia Chen", "Eve Mallory");
        var (exit, output) = await VerifyAsync($"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}");
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("INVALID: Bad signature:", output);
    }

    [Fact]
    public async Task A_grant_signed_by_another_key_under_a_known_key_id_is_reported_as_a_bad_signature()
    {
        var (_, output) = await VerifyAsync(Grant(signer: _otherKey));
        Assert.StartsWith("INVALID: Bad signature:", output);
    }

    [Fact]
    public async Task A_grant_naming_a_key_the_jwks_does_not_hold_is_reported_as_an_unknown_key()
    {
        var (exit, output) = await VerifyAsync(Grant(signer: _otherKey, keyId: "retired-key-2025"));
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("INVALID: Unknown key:", output);
        Assert.Contains("retired-key-2025", output);
    }

    [Fact]
    public async Task An_expired_grant_is_reported_as_expired_with_its_end()
    {
        var (exit, output) = await VerifyAsync(Grant(notBefore: Now.AddHours(-9), expires: Now.AddHours(-1)));
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("INVALID: Expired:", output);
        Assert.Contains("2026-11-28 11:00:00Z", output);
    }

    [Fact]
    public async Task A_grant_that_has_not_started_is_reported_as_not_yet_valid()
    {
        var (exit, output) = await VerifyAsync(Grant(notBefore: Now.AddHours(2), expires: Now.AddHours(10)));
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("INVALID: Not yet valid:", output);
        Assert.Contains("2026-11-28 14:00:00Z", output);
    }

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
