using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.ServicePrincipals;

/// <summary>
/// Once the directory has made the application, any failure before the portal records it must take the application
/// away again (no orphan holding the name and a Contributor role), and only a unique-key violation is reported as
/// "that name already exists".
/// </summary>
public sealed class CreationUndoTests : IAsyncLifetime
{
    private readonly FailingSave _fault = new();
    private readonly PortalFixture _f;

    public CreationUndoTests() =>
        _f = new PortalFixture(sqliteOnly: true, services: s => s.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_fault)));

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<bool> InDirectoryAsync(string name) =>
        _f.Services.GetRequiredService<LocalDirectoryProvisioner>().ApplicationExistsAsync(ContosoTenant, name, CancellationToken.None);

    private Task<ServicePrincipalSecret> CreateAsync(string name, CancellationToken ct = default) =>
        _f.As(Carol, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(SpTestData.Command(name), ct));

    [Fact]
    public async Task A_unique_violation_on_save_means_the_name_is_taken_and_the_application_is_removed()
    {
        _fault.Throw = () => new DbUpdateException("duplicate", new SqliteException("UNIQUE constraint failed: ServicePrincipals", 19, 2067));

        var ex = await Assert.ThrowsAsync<ConflictException>(() => CreateAsync("raced-sp"));

        Assert.Contains("already exists", ex.Message);
        Assert.False(await InDirectoryAsync("raced-sp"));
    }

    [Fact]
    public async Task Any_other_database_failure_is_reported_as_itself_and_the_application_is_removed()
    {
        _fault.Throw = () => new DbUpdateException("foreign key", new SqliteException("FOREIGN KEY constraint failed", 19, 787));

        var ex = await Assert.ThrowsAsync<DbUpdateException>(() => CreateAsync("fk-sp"));

        Assert.Contains("foreign key", ex.Message);
        Assert.False(await InDirectoryAsync("fk-sp"));
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    [Fact]
    public async Task A_failure_that_is_not_a_database_error_also_removes_the_application()
    {
        _fault.Throw = () => new IOException("The disk is full.");

        await Assert.ThrowsAsync<IOException>(() => CreateAsync("disk-sp"));

        Assert.False(await InDirectoryAsync("disk-sp"));
    }

    [Fact]
    public async Task Cancelling_after_the_application_was_made_removes_it()
    {
        using var cts = new CancellationTokenSource();
        _fault.Throw = () => { cts.Cancel(); return new OperationCanceledException(cts.Token); };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateAsync("cancel-sp", cts.Token));

        Assert.False(await InDirectoryAsync("cancel-sp"));
        Assert.Equal(0, await _f.Db(db => db.ServicePrincipals.CountAsync()));
    }

    [Fact]
    public async Task Without_a_failure_the_application_stays()
    {
        await CreateAsync("kept-sp");
        Assert.True(await InDirectoryAsync("kept-sp"));
    }

    /// <summary>Fails the save that records a service principal, after the directory made its application.</summary>
    private sealed class FailingSave : SaveChangesInterceptor
    {
        public Func<Exception>? Throw;

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (Throw is { } fault && eventData.Context!.ChangeTracker.Entries<LockboxPortal.Domain.ServicePrincipals.ServicePrincipal>().Any())
                throw fault();
            return ValueTask.FromResult(result);
        }
    }
}
