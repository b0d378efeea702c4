using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>
/// Two creations at the same instant: both pass the name and group checks before either records anything (the
/// directory holds each until the other has arrived), so only the checks made again where the creation is recorded
/// can tell them apart. On SQLite those are the only guard (its unique indexes take "prod-rg" and "PROD-RG" as two
/// names); on SQL Server the indexes refuse the second row and the record is tried once more.
/// </summary>
public sealed class ConcurrentCreationTests : IAsyncLifetime
{
    private readonly HoldingDirectory _directory = new();
    private readonly PortalFixture _f;

    public ConcurrentCreationTests() =>
        _f = new PortalFixture(services: s => s.AddSingleton<IDirectoryProvisioner>(sp =>
            _directory.Over(sp.GetRequiredService<LocalDirectoryProvisioner>())));

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<ServicePrincipalSecret> CreateAsync(CreateServicePrincipalCommand cmd) =>
        _f.As(Carol, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(cmd));

    /// <summary>Runs both creations with the directory holding each until both have made their application.</summary>
    private async Task<Task<ServicePrincipalSecret>[]> AtOnceAsync(params CreateServicePrincipalCommand[] commands)
    {
        _directory.HoldUntil(commands.Length);
        var creations = commands.Select(c => Task.Run(() => CreateAsync(c))).ToArray();
        await Task.WhenAll(creations).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.Equal(commands.Length, _directory.Held); // both passed the first checks: the race really happened
        return creations;
    }

    [Fact]
    public async Task One_group_made_twice_at_once_under_two_cases_is_recorded_once_and_both_principals_name_it_alike()
    {
        var creations = await AtOnceAsync(SpTestData.Command("sp-a", "prod-rg"), SpTestData.Command("sp-b", "PROD-RG"));

        Assert.All(creations, c => Assert.True(c.IsCompletedSuccessfully, c.Exception?.ToString()));
        var group = Assert.Single(await _f.Db(db => db.ResourceGroups.ToListAsync()));
        Assert.Contains(group.Name, new[] { "prod-rg", "PROD-RG" });
        var principals = await _f.Db(db => db.ServicePrincipals.OrderBy(p => p.DisplayName).ToListAsync());
        Assert.Equal(["sp-a", "sp-b"], principals.Select(p => p.DisplayName));
        Assert.All(principals, p => Assert.Equal(
            (group.Name, $"/subscriptions/{SpTestData.Subscription}/resourceGroups/{group.Name}"), (p.ResourceGroupName, p.Scopes)));
    }

    [Fact]
    public async Task A_group_made_at_once_in_two_locations_keeps_the_first_and_the_other_creation_is_refused_and_undone()
    {
        var creations = await AtOnceAsync(
            SpTestData.Command("sp-east", "prod-rg"),
            SpTestData.Command("sp-west", "Prod-RG") with { Location = "westeurope" });

        var won = Assert.Single(creations, c => c.IsCompletedSuccessfully);
        var lost = Assert.Single(creations, c => c.IsFaulted);
        var refusal = Assert.IsType<InputValidationException>(lost.Exception!.InnerException);
        var group = Assert.Single(await _f.Db(db => db.ResourceGroups.ToListAsync()));
        Assert.Contains($"'{group.Name}' already exists in {group.Location}", Assert.Single(refusal.Errors["Location"]));
        // Only the winner is recorded, and the loser's application is gone from the directory.
        Assert.Equal((await won).DisplayName, Assert.Single(await _f.Db(db => db.ServicePrincipals.Select(p => p.DisplayName).ToListAsync())));
        Assert.Equal(1, _directory.Deleted);
    }

    [Fact]
    public async Task One_name_taken_twice_at_once_under_two_cases_is_one_principal_and_the_other_is_told_the_name_exists()
    {
        var creations = await AtOnceAsync(SpTestData.Command("ops-sp", "rg-1"), SpTestData.Command("OPS-SP", "rg-2"));

        var won = await Assert.Single(creations, c => c.IsCompletedSuccessfully);
        var lost = Assert.Single(creations, c => c.IsFaulted);
        Assert.Contains("already exists", Assert.IsType<ConflictException>(lost.Exception!.InnerException).Message);
        var principal = Assert.Single(await _f.Db(db => db.ServicePrincipals.ToListAsync()));
        Assert.Equal(won.AppId, principal.AppId.ToString());
        // The loser's group is not recorded either: its whole record was refused.
        Assert.Equal(principal.ResourceGroupName, Assert.Single(await _f.Db(db => db.ResourceGroups.Select(g => g.Name).ToListAsync())));
        Assert.Equal(1, _directory.Deleted);
    }

    /// <summary>
    /// The embedded directory, holding each creation at its role assignment (after the service's checks, before its
    /// record) until the expected number of creations have arrived, and counting the applications it was told to delete.
    /// </summary>
    private sealed class HoldingDirectory
    {
        private TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _expected;
        private int _held;
        private int _deleted;

        public int Held => Volatile.Read(ref _held);
        public int Deleted => Volatile.Read(ref _deleted);

        public void HoldUntil(int creations)
        {
            _expected = creations;
            _held = 0;
            _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public IDirectoryProvisioner Over(LocalDirectoryProvisioner inner) => new Holding(this, inner);

        private async Task ArriveAsync(CancellationToken ct)
        {
            if (_expected == 0) return;
            if (Interlocked.Increment(ref _held) >= _expected) _all.TrySetResult();
            await _all.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);
        }

        private sealed class Holding(HoldingDirectory gate, LocalDirectoryProvisioner inner) : IDirectoryProvisioner
        {
            public DirectoryProvisionerKind Kind => inner.Kind;

            public Task EnsureResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, bool mustExist, CancellationToken ct) =>
                inner.EnsureResourceGroupAsync(tenantId, subscriptionId, name, location, mustExist, ct);

            public Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct) =>
                inner.ApplicationExistsAsync(tenantId, displayName, ct);

            public Task<ProvisionedApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct) =>
                inner.CreateApplicationAsync(tenantId, displayName, ct);

            public Task<ProvisionedCredential> AddPasswordAsync(Guid tenantId, Guid applicationObjectId, DateTimeOffset endsAt, CancellationToken ct) =>
                inner.AddPasswordAsync(tenantId, applicationObjectId, endsAt, ct);

            public Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct) =>
                inner.RemovePasswordAsync(tenantId, applicationObjectId, keyId, ct);

            public async Task AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct)
            {
                await gate.ArriveAsync(ct);
                await inner.AssignContributorAsync(tenantId, scope, principalObjectId, ct);
            }

            public Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, Guid principalObjectId, IReadOnlyList<string> scopes, CancellationToken ct)
            {
                Interlocked.Increment(ref gate._deleted);
                return inner.DeleteApplicationAsync(tenantId, applicationObjectId, principalObjectId, scopes, ct);
            }
        }
    }
}
