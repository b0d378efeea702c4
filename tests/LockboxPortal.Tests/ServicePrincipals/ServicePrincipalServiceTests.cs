using System.Text.Json;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

public sealed class ServicePrincipalServiceTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Sp<T>(DemoPersona? who, Func<ServicePrincipalService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<ServicePrincipalService>()));

    private Task<bool> VerifiesAsync(Guid tenant, string appId, string secret) =>
        _f.Services.GetRequiredService<LocalDirectoryProvisioner>().VerifyClientCredentialAsync(tenant, Guid.Parse(appId), secret);

    [Fact]
    public async Task A_global_administrator_creates_a_contributor_scoped_principal_whose_secret_verifies()
    {
        var cmd = SpTestData.Command();
        cmd.ExtraScopes.Add($"/subscriptions/{SpTestData.Subscription}/resourceGroups/vnet-rg");

        var secret = await Sp(Carol, s => s.CreateAsync(cmd));

        Assert.Equal("test-aro-SP", secret.DisplayName);
        Assert.Equal(ContosoTenant.ToString(), secret.Tenant);
        Assert.Equal(40, secret.Password.Length);
        Assert.Equal(secret.Password[..3], secret.Hint);
        Assert.True(await VerifiesAsync(ContosoTenant, secret.AppId, secret.Password));
        Assert.False(await VerifiesAsync(ContosoTenant, secret.AppId, secret.Password + "x"));
        Assert.False(await VerifiesAsync(FabrikamTenant, secret.AppId, secret.Password));

        var json = JsonDocument.Parse(secret.ToAzJson()).RootElement;
        Assert.Equal(["appId", "displayName", "name", "password", "tenant"], json.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(secret.Password, json.GetProperty("password").GetString());

        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        Assert.Equal("Contributor", listed.Role);
        Assert.Equal([$"/subscriptions/{SpTestData.Subscription}/resourceGroups/test-aro-rg", $"/subscriptions/{SpTestData.Subscription}/resourceGroups/vnet-rg"], listed.Scopes);
        Assert.Equal(PortalFixture.Start.AddYears(1), listed.CredentialEndsAt);
        Assert.Equal(secret.KeyId, Assert.Single(listed.Credentials).KeyId);

        var audit = await _f.Db(db => db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ServicePrincipalCreated));
        Assert.Equal(ContosoTenant, audit.TenantId);
        Assert.Contains(secret.KeyId.ToString(), audit.Details);
        Assert.Contains($"\"hint\":\"{secret.Hint}\"", audit.Details);
        Assert.Contains("2027-11-28T09:00:00", audit.Details);
        Assert.DoesNotContain(secret.Password, audit.Details);
        Assert.Single(await Sp(Carol, s => s.ListResourceGroupsAsync(SpTestData.Subscription)));
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("uma")]
    [InlineData("mia")]
    [InlineData(null)]
    public async Task Anyone_but_a_global_administrator_is_refused_every_call(string? persona)
    {
        var existing = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        var who = Find(persona);

        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp(who, s => s.CreateAsync(SpTestData.Command("other"))));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp(who, s => s.ListAsync(new ServicePrincipalListQuery())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp(who, s => s.GetAsync(listed.Id)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp(who, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp(who, s => s.ListResourceGroupsAsync(SpTestData.Subscription)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Sp<int>(who, async s => { await s.DeleteAsync(listed.Id); return 0; }));

        Assert.Equal(1, await _f.Db(db => db.ServicePrincipals.CountAsync()));
        Assert.True(await VerifiesAsync(ContosoTenant, existing.AppId, existing.Password));
    }

    [Fact]
    public async Task Another_tenants_administrator_neither_sees_nor_rotates_nor_deletes()
    {
        var carols = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);

        Assert.Empty((await Sp(Frank, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        Assert.Empty(await Sp(Frank, s => s.ListResourceGroupsAsync(SpTestData.Subscription)));
        await Assert.ThrowsAsync<NotFoundException>(() => Sp(Frank, s => s.GetAsync(listed.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => Sp(Frank, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version)));
        await Assert.ThrowsAsync<NotFoundException>(() => Sp<int>(Frank, async s => { await s.DeleteAsync(listed.Id); return 0; }));

        Assert.True(await VerifiesAsync(ContosoTenant, carols.AppId, carols.Password));
        // The same name in another tenant is another directory's business.
        var franks = await Sp(Frank, s => s.CreateAsync(SpTestData.Command()));
        Assert.Equal(FabrikamTenant.ToString(), franks.Tenant);
    }

    [Fact]
    public async Task An_existing_name_is_refused_and_its_credentials_are_left_alone()
    {
        var first = await Sp(Carol, s => s.CreateAsync(SpTestData.Command("test-aro-SP")));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Sp(Carol, s => s.CreateAsync(SpTestData.Command("TEST-aro-sp", "other-rg"))));

        Assert.Contains("already exists", ex.Message);
        Assert.Contains("Append keeps its current secret", ex.Message);
        Assert.True(await VerifiesAsync(ContosoTenant, first.AppId, first.Password));
        Assert.Equal(1, await _f.Db(db => db.ServicePrincipalCredentials.CountAsync()));
        Assert.Equal(1, await _f.Db(db => db.ResourceGroups.CountAsync()));
    }

    [Fact]
    public async Task Rotating_with_replace_retires_the_old_secret_and_append_keeps_it()
    {
        var created = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        _f.Time.Advance(TimeSpan.FromDays(300));

        var appended = await Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand { Append = true }, listed.Version));
        Assert.True(await VerifiesAsync(ContosoTenant, created.AppId, created.Password));
        Assert.True(await VerifiesAsync(ContosoTenant, created.AppId, appended.Password));
        Assert.Equal(created.AppId, appended.AppId);
        Assert.Equal(PortalFixture.Start.AddDays(300).AddYears(1), appended.EndsAt);

        // The version moved on: a rotation from a stale list is refused rather than applied twice.
        await Assert.ThrowsAsync<ConflictException>(() => Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version)));

        var current = await Sp(Carol, s => s.GetAsync(listed.Id));
        Assert.Equal(2, current.Credentials.Count);
        var replaced = await Sp(Carol, s => s.RotateAsync(listed.Id, new RotateCredentialCommand { Append = false }, current.Version));

        Assert.False(await VerifiesAsync(ContosoTenant, created.AppId, created.Password));
        Assert.False(await VerifiesAsync(ContosoTenant, created.AppId, appended.Password));
        Assert.True(await VerifiesAsync(ContosoTenant, created.AppId, replaced.Password));
        Assert.Equal(replaced.KeyId, Assert.Single((await Sp(Carol, s => s.GetAsync(listed.Id))).Credentials).KeyId);

        var rotations = await _f.Db(db => db.AuditEntries.Where(e => e.Action == AuditActions.ServicePrincipalRotated).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(2, rotations.Count);
        Assert.Contains(created.KeyId.ToString(), rotations[1].Details);
        Assert.Contains(appended.KeyId.ToString(), rotations[1].Details);
        Assert.Contains("\"append\":false", rotations[1].Details);
    }

    [Fact]
    public async Task Deleting_removes_the_principal_and_its_credentials_and_is_audited()
    {
        var created = await Sp(Carol, s => s.CreateAsync(SpTestData.Command()));
        var listed = Assert.Single((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);

        await Sp(Carol, async s => { await s.DeleteAsync(listed.Id); return 0; });

        Assert.Empty((await Sp(Carol, s => s.ListAsync(new ServicePrincipalListQuery()))).Items);
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipalCredentials.CountAsync()));
        Assert.False(await VerifiesAsync(ContosoTenant, created.AppId, created.Password));
        var audit = await _f.Db(db => db.AuditEntries.SingleAsync(e => e.Action == AuditActions.ServicePrincipalDeleted));
        Assert.Contains(created.AppId, audit.Details);
        await Assert.ThrowsAsync<NotFoundException>(() => Sp<int>(Carol, async s => { await s.DeleteAsync(listed.Id); return 0; }));
        // The resource group stays: it may hold the cluster.
        Assert.Single(await Sp(Carol, s => s.ListResourceGroupsAsync(SpTestData.Subscription)));
    }

    [Fact]
    public async Task An_existing_resource_group_must_exist_and_a_new_one_keeps_its_location()
    {
        var existing = SpTestData.Command("sp-1", "shared-rg") with { ResourceGroupMode = ResourceGroupMode.Existing, Location = "" };
        var missing = await Assert.ThrowsAsync<InputValidationException>(() => Sp(Carol, s => s.CreateAsync(existing)));
        Assert.Contains("There is no resource group 'shared-rg'", Assert.Single(missing.Errors["ResourceGroupName"]));

        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("sp-2", "shared-rg")));
        var reused = await Sp(Carol, s => s.CreateAsync(existing));
        Assert.Equal("sp-1", reused.DisplayName);

        var moved = SpTestData.Command("sp-3", "shared-rg") with { Location = "westeurope" };
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Sp(Carol, s => s.CreateAsync(moved)));
        Assert.Contains("already exists in eastus2", Assert.Single(ex.Errors["Location"]));
        Assert.Equal(2, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    [Fact]
    public async Task A_resource_group_is_the_same_group_in_any_case_as_Azure_takes_it()
    {
        // SQLite's = took "shared-RG" beside "Shared-rg" for a new group: a second row, and no location check.
        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("sp-1", "Shared-rg")));

        var moved = SpTestData.Command("sp-2", "SHARED-RG") with { Location = "westeurope" };
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Sp(Carol, s => s.CreateAsync(moved)));
        Assert.Contains("'Shared-rg' already exists in eastus2", Assert.Single(ex.Errors["Location"]));

        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("sp-3", "shared-RG")));
        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("sp-4", "sHARED-rG") with { ResourceGroupMode = ResourceGroupMode.Existing, Location = "" }));

        // One group, under the name it was made with; every principal scoped to it by that name.
        Assert.Equal("Shared-rg", Assert.Single(await Sp(Carol, s => s.ListResourceGroupsAsync(SpTestData.Subscription))).Name);
        var principals = await _f.Db(db => db.ServicePrincipals.OrderBy(p => p.DisplayName).ToListAsync());
        Assert.Equal(["sp-1", "sp-3", "sp-4"], principals.Select(p => p.DisplayName));
        Assert.All(principals, p => Assert.Equal(($"/subscriptions/{SpTestData.Subscription}/resourceGroups/Shared-rg", "Shared-rg"), (p.Scopes, p.ResourceGroupName)));
    }

    [Fact]
    public async Task One_group_kept_under_two_cases_by_an_older_database_resolves_to_the_oldest()
    {
        // Before names were compared ignoring case, SQLite could keep one Azure group twice; the answer must not vary.
        // SQL Server's unique index (its collation ignores case) never let a database hold both.
        var caseSensitiveIndex = await _f.Db(db => Task.FromResult(db.LikeFoldsOnlyAscii));
        var saving = _f.Db(async db =>
        {
            foreach (var (name, location, minutes) in new[] { ("prod-rg", "westeurope", 5), ("Prod-RG", "eastus2", 0) })
                db.ResourceGroups.Add(new LockboxPortal.Domain.ServicePrincipals.ResourceGroup
                {
                    Id = Guid.NewGuid(), TenantId = ContosoTenant, SubscriptionId = SpTestData.Subscription, Name = name,
                    Location = location, CreatedAt = PortalFixture.Start.AddMinutes(minutes), CreatedByName = "Carol Diaz",
                });
            return await db.SaveChangesAsync();
        });
        if (!caseSensitiveIndex)
        {
            await Assert.ThrowsAsync<DbUpdateException>(() => saving);
            return;
        }
        await saving;

        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("sp-1", "PROD-rg") with { ResourceGroupMode = ResourceGroupMode.Existing, Location = "" }));

        var principal = await _f.Db(db => db.ServicePrincipals.SingleAsync());
        Assert.Equal("Prod-RG", principal.ResourceGroupName);
    }

    [Fact]
    public async Task A_name_with_letters_outside_ASCII_is_taken_in_any_case()
    {
        // SQLite's lower() folds only A–Z: "ÄRGER-sp" was not "ärger-sp" there, and a second principal of that name was made.
        var first = await Sp(Carol, s => s.CreateAsync(SpTestData.Command("ÄRGER-sp")));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => Sp(Carol, s => s.CreateAsync(SpTestData.Command("ärger-SP"))));

        Assert.Contains("'ärger-SP' already exists", ex.Message);
        Assert.Equal(Guid.Parse(first.AppId), Assert.Single(await _f.Db(db => db.ServicePrincipals.Select(p => p.AppId).ToListAsync())));
        // Another name that differs by an accent is another name.
        await Sp(Carol, s => s.CreateAsync(SpTestData.Command("ARGER-sp")));
        Assert.Equal(2, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    [Fact]
    public async Task The_service_validates_again_whatever_the_page_let_through()
    {
        var bad = SpTestData.Command("", "bad name.") with { SubscriptionId = "not-a-guid", Location = "mars" };
        bad.Lifetime.Years = 0;

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Sp(Carol, s => s.CreateAsync(bad)));

        Assert.Equal(["DisplayName", "Lifetime.Years", "Location", "ResourceGroupName", "SubscriptionId"], ex.Errors.Keys.Order().ToArray());
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
        Assert.Equal(0, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.ServicePrincipalCreated)));
    }
}
