using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Grants;

public sealed class AccessCheckTests : IAsyncLifetime
{
    private static readonly AccessCheckCaller Gateway = new("contoso-gateway", [ContosoTenant]);
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<AccessCheckResult> CheckAsync(string engineer, string resource, AccessCheckCaller? caller = null, Guid? tenant = null) =>
        _f.As(null, sp => sp.GetRequiredService<GrantService>().CheckAccessAsync(caller ?? Gateway, new AccessCheckQuery(tenant ?? ContosoTenant, engineer, resource)));

    private async Task<AccessRequestDto> ApprovedAsync()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
    }

    /// <summary>A request of <paramref name="engineer"/> (Mia under another address), approved by Carol.</summary>
    private async Task<AccessRequestDto> ApprovedAsync(LockboxPortal.Infrastructure.Demo.DemoPersona engineer)
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        var filed = await _f.FileAsync(engineer, Scenario.Request(ticket.Number, TimeSpan.FromHours(2)));
        return await _f.Lockbox(Carol, s => s.ApproveAsync(filed.Id, new ApproveCommand()));
    }

    [Fact]
    public async Task Active_grant_allows_its_engineer_on_the_granted_resource_and_below()
    {
        var r = await ApprovedAsync();

        var byOid = await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup + "/providers/Microsoft.RedHatOpenShift/openShiftClusters/aro1");
        var byEmail = await CheckAsync(Mia.Email.ToUpperInvariant(), Scenario.ResourceGroup);

        Assert.Equal(new AccessCheckResult(true, r.Id, r.AccessEndsAt), byOid);
        Assert.True(byEmail.Allowed);
    }

    [Fact]
    public async Task An_address_that_only_lower_casing_makes_the_engineers_is_not_allowed()
    {
        // Mia under an address with a "k"; the gateway asks for the same text with the Kelvin sign (U+212A) in its place.
        // Lower-cased, the two are one ("k"), so the query's lower() took it for Mia's: they are two addresses, and the
        // portal's comparison ignoring case (Unicode simple case folding, not lower-casing) keeps them apart.
        var mia = Mia with { Email = "mia.kim@support.microsoft.com" };
        await ApprovedAsync(mia);

        var kelvin = mia.Email.Replace('k', '\u212A');
        Assert.Equal(mia.Email, kelvin.ToLowerInvariant());
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(kelvin, Scenario.ResourceGroup));
        Assert.True((await CheckAsync(mia.Email.ToUpperInvariant(), Scenario.ResourceGroup)).Allowed);
    }

    [Fact]
    public async Task An_address_with_a_capital_outside_ASCII_is_found_in_any_case()
    {
        // SQLite's lower() folds only A–Z, so "JOSÉ" lower-cased by the database stayed "josÉ" and the engineer's own
        // address, asked in small letters, was refused on SQLite and allowed on SQL Server.
        var jose = Mia with { Email = "JOSÉ.ÅSTRÖM@support.microsoft.com" };
        var filed = await ApprovedAsync(jose);

        Assert.Equal(filed.Id, (await CheckAsync("josé.åström@support.microsoft.com", Scenario.ResourceGroup)).RequestId);
        Assert.Equal(filed.Id, (await CheckAsync("José.Åström@Support.Microsoft.com", Scenario.ResourceGroup)).RequestId);
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync("jose.astrom@support.microsoft.com", Scenario.ResourceGroup)); // accents are letters
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync("josé.åström@support.microsoft.co", Scenario.ResourceGroup));
    }

    [Fact]
    public async Task A_lookalike_address_refused_leaves_nothing_on_the_engineers_trail()
    {
        // The database narrows the candidates with a pattern that also finds the real address (the Kelvin sign becomes a
        // wildcard); the answer and the trail both decide in .NET, so the refusal is not recorded as a check of Mia's grant.
        var mia = Mia with { Email = "mia.kim@support.microsoft.com" };
        var filed = await ApprovedAsync(mia);

        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(mia.Email.Replace('k', '\u212A'), Scenario.ResourceGroup + "-other"));
        Assert.Empty(await _f.Db(db => db.AccessEvents.AsNoTracking().Where(e => e.RequestId == filed.Id).ToListAsync()));

        // The engineer's own address, outside the grant's scope: that refusal is on the trail.
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(mia.Email, Scenario.ResourceGroup + "-other"));
        var recorded = Assert.Single(await _f.Db(db => db.AccessEvents.AsNoTracking().Where(e => e.RequestId == filed.Id).ToListAsync()));
        Assert.Equal("Refused: the resource is outside the approved scope", recorded.Reason);
    }

    [Fact]
    public async Task Later_grants_of_addresses_alike_to_the_database_do_not_crowd_out_the_engineers_own()
    {
        // "jörg@…" reaches the database as the pattern "j%rg@…", which also finds "jxrg@…", "jyrg@…": 21 such grants,
        // all ending after Jörg's, came before his among the 20 latest the trail looked at, and his refusal went unrecorded.
        var jorg = Mia with { Email = "jörg@support.microsoft.com" };
        var own = await ApprovedAsync(jorg);
        for (var i = 0; i < 21; i++)
        {
            _f.Time.Advance(TimeSpan.FromMinutes(1));
            await ApprovedAsync(Mia with { Email = $"j{(char)('a' + i)}rg@support.microsoft.com" });
        }

        Assert.Equal(own.Id, (await CheckAsync(jorg.Email.ToUpperInvariant(), Scenario.ResourceGroup)).RequestId);
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(jorg.Email, Scenario.ResourceGroup + "-other"));
        var trail = await _f.Db(db => db.AccessEvents.AsNoTracking().Where(e => e.RequestId == own.Id).ToListAsync());
        Assert.Equal(["Allowed: an active grant covers the resource", "Refused: the resource is outside the approved scope"], trail.Select(e => e.Reason).Order());
    }

    [Fact]
    public async Task Other_engineers_and_resources_outside_the_grant_are_not_allowed()
    {
        await ApprovedAsync();
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Ravi.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup + "-other"));
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Mia.Oid.ToString(), $"/subscriptions/{Scenario.Subscription}"));
    }

    [Fact]
    public async Task Pending_request_is_not_allowed()
    {
        await _f.PendingContosoRequestAsync();
        Assert.False((await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup)).Allowed);
    }

    [Fact]
    public async Task Revoked_grant_is_not_allowed_at_once()
    {
        var r = await ApprovedAsync();
        await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Done.")));
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup));
    }

    [Fact]
    public async Task Expired_grant_is_not_allowed_the_instant_its_window_ends_without_waiting_for_the_sweeper()
    {
        var r = await ApprovedAsync();
        _f.Time.SetUtcNow(r.AccessEndsAt!.Value.AddTicks(-TimeSpan.TicksPerSecond));
        Assert.True((await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup)).Allowed);

        _f.Time.SetUtcNow(r.AccessEndsAt!.Value);
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup));
        Assert.Equal(LockboxPortal.Domain.Lockbox.AccessRequestStatus.Approved, await _f.Db(db => db.AccessRequests.Where(x => x.Id == r.Id).Select(x => x.Status).SingleAsync()));
    }

    [Fact]
    public async Task Caller_asking_about_a_tenant_it_is_not_entitled_to_is_refused_whether_or_not_there_is_a_grant()
    {
        await ApprovedAsync();
        var fabrikamGateway = new AccessCheckCaller("fabrikam-gateway", [FabrikamTenant]);

        await Assert.ThrowsAsync<ForbiddenAccessException>(() => CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup, fabrikamGateway));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup, fabrikamGateway, Guid.NewGuid()));
        // Entitled to its own tenant, where Mia has nothing.
        Assert.Equal(AccessCheckResult.Denied, await CheckAsync(Mia.Oid.ToString(), Scenario.ResourceGroup, fabrikamGateway, FabrikamTenant));

        await _f.Services.GetRequiredService<RefusalAuditor>().WriteQueuedAsync();
        var refusals = await _f.Db(db => db.AuditEntries.Where(e => e.Action == AuditActions.AuthorizationRefused).ToListAsync());
        Assert.Equal(2, refusals.Count);
        Assert.All(refusals, e => Assert.Equal("fabrikam-gateway", e.Actor));
    }
}
