using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Grants;

public sealed class GrantTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private ISigningKeyStore Keys => _f.Services.GetRequiredService<ISigningKeyStore>();
    private GrantIssuer Issuer => _f.Services.GetRequiredService<GrantIssuer>();

    private async Task<(AccessRequestDto Request, GrantDto Grant)> ApprovedAsync()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(4));
        r = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        var grant = await _f.As(Mia, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id));
        return (r, grant!);
    }

    private async Task<GrantVerification> VerifyAsync(string token, DateTimeOffset? at = null) =>
        await GrantTokens.VerifyGrantAsync(token, (await Keys.GetPublishedKeysAsync()).Select(k => k.ToJsonWebKey()),
            at ?? _f.Time.GetUtcNow(), Issuer.Issuer, Issuer.Audience);

    [Fact]
    public async Task Approval_issues_a_grant_that_verifies_against_the_jwks_with_the_requests_claims()
    {
        var (r, grant) = await ApprovedAsync();

        var result = await VerifyAsync(grant.Token);

        Assert.True(result.IsValid, result.Error);
        var g = result.Grant!;
        Assert.Equal(r.Id, g.RequestId);
        Assert.Equal(ContosoTenant, g.TenantId);
        Assert.Equal(Mia.Oid, g.EngineerOid);
        Assert.Equal(Mia.Name, g.EngineerName);
        Assert.Equal("Microsoft", g.Organization);
        Assert.Equal(Guid.Parse(Scenario.Subscription), g.SubscriptionId);
        Assert.Equal([Scenario.ResourceGroup], g.ResourceIds);
        Assert.Equal(r.AccessEndsAt!.Value.ToUnixTimeSeconds(), g.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(r.AccessStartsAt!.Value.ToUnixTimeSeconds(), g.NotBefore.ToUnixTimeSeconds());
        Assert.True(grant.IsActive);
        Assert.Equal(grant.KeyId, g.KeyId);
    }

    [Fact]
    public async Task Automatic_approval_issues_a_grant_too()
    {
        await _f.Db(db => db.Tenants.ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, false)));
        var ticket = await _f.OpenTicketAsync(Uma);
        var r = await _f.FileAsync(Mia, Scenario.Request(ticket.Number));
        Assert.Equal(AccessRequestStatus.Approved, r.Status);

        var grant = await _f.As(Carol, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id));

        Assert.True((await VerifyAsync(grant!.Token)).IsValid);
    }

    [Fact]
    public async Task Grant_signed_by_another_key_fails_verification()
    {
        var (_, grant) = await ApprovedAsync();
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(grant.Token.Split('.')[1]))!.AsObject();
        var claims = payload.ToDictionary(p => p.Key, p => (object)(p.Value is JsonArray a ? a.Select(x => (string)x!).ToArray() : p.Value!.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (object)(long)p.Value! : (string)p.Value!));
        // Same kid, same claims, different private key: an impostor's grant.
        var forged = GrantTokens.Sign(new ActiveSigningKey(grant.KeyId, other), GrantTokens.GrantType, claims);

        var result = await VerifyAsync(forged);

        Assert.False(result.IsValid);
        Assert.Null(result.Grant);
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("resource_ids")]
    [InlineData("tid")]
    public async Task Grant_with_an_edited_claim_fails_verification(string claim)
    {
        var (_, grant) = await ApprovedAsync();
        var parts = grant.Token.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload[claim] = claim switch
        {
            "exp" => (long)payload["exp"]! + 86400,
            "resource_ids" => new JsonArray("/subscriptions/" + Scenario.Subscription),
            _ => FabrikamTenant.ToString(),
        };
        var edited = $"{parts[0]}.{Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";

        var result = await VerifyAsync(edited);

        Assert.False(result.IsValid);
        Assert.Contains("signature", result.Error);
    }

    [Fact]
    public async Task Grant_outside_its_window_fails_verification()
    {
        var (r, grant) = await ApprovedAsync();
        Assert.False((await VerifyAsync(grant.Token, r.AccessEndsAt!.Value.AddMinutes(2))).IsValid);
        Assert.False((await VerifyAsync(grant.Token, r.AccessStartsAt!.Value.AddMinutes(-5))).IsValid);
    }

    [Fact]
    public async Task Grant_is_for_its_engineer_and_the_tenants_approvers_only()
    {
        var (r, _) = await ApprovedAsync();
        Assert.NotNull(await _f.As(Mia, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        Assert.NotNull(await _f.As(Carol, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        Assert.NotNull(await _f.As(Adam, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        // Uma sees the request (her tenant's) but not the grant that opens her environment.
        Assert.NotNull(await _f.As(Uma, sp => sp.GetRequiredService<LockboxQueries>().GetAsync(r.Id)));
        Assert.False((await _f.As(Uma, sp => sp.GetRequiredService<LockboxQueries>().GetAsync(r.Id))).CanSeeGrant);
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(Uma, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.As(Ravi, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.As(Frank, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(null, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)));
    }

    [Fact]
    public async Task Pending_request_has_no_grant_and_a_revoked_one_is_shown_inactive()
    {
        var pending = await _f.PendingContosoRequestAsync();
        Assert.Null(await _f.As(Mia, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(pending.Id)));

        var (r, _) = await ApprovedAsync();
        await _f.Lockbox(Carol, s => s.RevokeAsync(r.Id, new RevokeCommand("Done.")));
        Assert.False((await _f.As(Mia, sp => sp.GetRequiredService<GrantService>().GetGrantAsync(r.Id)))!.IsActive);
    }

    [Fact]
    public async Task Jwks_publishes_public_keys_only()
    {
        await ApprovedAsync();
        var jwks = PublicSigningKey.ToJwks(await Keys.GetPublishedKeysAsync());
        var key = Assert.Single(JsonNode.Parse(jwks)!["keys"]!.AsArray())!.AsObject();
        Assert.Equal(["kty", "crv", "x", "y", "kid", "use", "alg"], key.Select(p => p.Key));
        Assert.DoesNotContain("\"d\"", jwks);
        Assert.Equal("ES256", (string)key["alg"]!);
    }

    [Fact]
    public async Task Private_key_is_stored_protected_never_in_the_clear()
    {
        var active = await Keys.GetActiveAsync();
        var stored = await _f.Db(db => db.SigningKeys.AsNoTracking().SingleAsync());
        var pkcs8 = Convert.ToBase64String(active.PrivateKey.ExportPkcs8PrivateKey());
        Assert.NotNull(stored.ProtectedPrivateKey);
        Assert.NotEqual(pkcs8, stored.ProtectedPrivateKey);
        Assert.DoesNotContain("\"d\"", stored.PublicJwk);
    }

    [Fact]
    public async Task Rotated_key_stays_in_the_jwks_until_its_last_grant_expires()
    {
        var (r, grant) = await ApprovedAsync();
        var newKey = await Keys.RotateAsync();

        var published = (await Keys.GetPublishedKeysAsync()).Select(k => k.KeyId).ToList();
        Assert.Equal([newKey, grant.KeyId], published);
        Assert.True((await VerifyAsync(grant.Token)).IsValid);

        var (_, second) = await ApprovedAsync();
        Assert.Equal(newKey, second.KeyId);

        _f.Time.SetUtcNow(r.AccessEndsAt!.Value.AddSeconds(1));
        Assert.Equal([newKey], (await Keys.GetPublishedKeysAsync()).Select(k => k.KeyId));
    }

    [Fact]
    public void Scope_covers_a_resource_under_a_granted_id_at_a_segment_boundary_only()
    {
        var rg = Scenario.ResourceGroup;
        var sub = Guid.Parse(Scenario.Subscription);
        Assert.True(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg], rg));
        Assert.True(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg], rg.ToUpperInvariant() + "/providers/Microsoft.Compute/virtualMachines/vm1"));
        Assert.True(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg + "/"], rg));
        Assert.False(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg], rg + "2"));
        Assert.False(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg], $"/subscriptions/{sub}"));
        Assert.False(GrantScope.Covers(AccessScopeKind.Subscription, sub, [rg], rg + "/../../resourceGroups/other"));
        Assert.True(GrantScope.Covers(AccessScopeKind.Subscription, sub, [], $"/subscriptions/{sub}/resourceGroups/any"));
        Assert.False(GrantScope.Covers(AccessScopeKind.Subscription, sub, [], $"/subscriptions/{Guid.NewGuid()}/resourceGroups/any"));
        Assert.True(GrantScope.Covers(AccessScopeKind.Tenant, null, [], $"/subscriptions/{Guid.NewGuid()}"));
        Assert.False(GrantScope.Covers(AccessScopeKind.Tenant, null, [], ""));
    }
}
