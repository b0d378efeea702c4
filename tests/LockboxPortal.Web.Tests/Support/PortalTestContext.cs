using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using LockboxPortal.Application;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace LockboxPortal.Web.Tests.Support;

/// <summary>
/// The one bUnit base: MudBlazor services, loose JS interop, the real application services over a real
/// SQLite file (a copy of the migrated template, every demo persona signed in once), a fake clock, and sign-in helpers that set
/// both the component's authentication state and the services' current user.
/// </summary>
public abstract class PortalTestContext : BunitContext, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "lockbox-bunit", Guid.NewGuid().ToString("N"));

    protected PortalTestContext()
    {
        Directory.CreateDirectory(_directory);
        JSInterop.Mode = JSRuntimeMode.Loose;
        var settings = PortalFixture.DefaultSettings(DatabasePath);
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddTransient<LockboxPortal.Web.Components.Shared.UiAction>();
        Services.AddSingleton<LockboxPortal.Web.Components.Shared.SharedLiveLoads>();
        Services.AddOptions<LockboxPortal.Web.Components.Shared.LiveUpdateOptions>();
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<IConfiguration>(Configuration);
        Services.AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>));
        Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory, NullLoggerFactory>();
        Services.AddApplication(Configuration);
        Services.AddInfrastructure(Configuration, _directory);
        Auth = AddAuthorization();
    }

    /// <summary>
    /// Puts <paramref name="wrap"/> around the real database context factory, for a test that counts or holds the
    /// work a page starts. Call it from the test's constructor, before the service provider is built.
    /// </summary>
    protected void WrapDbContextFactory(Func<ILockboxDbContextFactory, ILockboxDbContextFactory> wrap)
    {
        var real = Services.Last(d => d.ServiceType == typeof(ILockboxDbContextFactory));
        Services.Remove(real);
        Services.AddSingleton(real.ImplementationType!);
        Services.AddSingleton<ILockboxDbContextFactory>(sp => wrap((ILockboxDbContextFactory)sp.GetRequiredService(real.ImplementationType!)));
    }

    protected FakeTimeProvider Time { get; } = new(PortalFixture.Start);
    private string DatabasePath => Path.Combine(_directory, "lockbox.db");
    private bool IsSqlServer => Configuration["Database:Provider"] == "SqlServer";
    protected IConfiguration Configuration { get; }
    protected BunitAuthorizationContext Auth { get; }

    /// <summary>The persisted component state a prerendered page would carry to its circuit (empty unless a test fills it).</summary>
    protected BunitPersistentComponentState PersistedState { get; private set; } = default!;

    public virtual async Task InitializeAsync()
    {
        // Components render as in a live circuit (the grid reuses a prerendered page only when interactive). Set
        // here, after every constructor has registered its services: it builds the service provider.
        // The grid takes a prerendered page from the persisted component state, as a circuit does (empty here).
        PersistedState = AddBunitPersistentComponentState();
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        // A copy of the migrated template: start-up then finds nothing to migrate.
        if (!IsSqlServer) TemplateDatabase.CopyTo(DatabasePath);
        await Services.InitializeDatabaseAsync();
        foreach (var persona in DemoPersonas.All)
            await As(persona, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(DemoPersonas.Principal(persona)));
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        await db.Tenants.ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, true));
        await db.Tenants.Where(t => t.Id == DemoPersonas.ContosoTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.DisplayName, "Contoso"));
        await db.Tenants.Where(t => t.Id == DemoPersonas.FabrikamTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.DisplayName, "Fabrikam"));
    }

    /// <summary>Signs the rendered components and the services in as <paramref name="persona"/>; page policies follow the real rules.</summary>
    protected PortalUser SignInAs(DemoPersona persona)
    {
        var principal = DemoPersonas.Principal(persona);
        var user = Services.GetRequiredService<PortalClaimsMapper>().Map(principal)!;
        Auth.SetAuthorized(persona.Name);
        Auth.SetClaims(persona.Claims().ToArray());
        var policies = new List<string>();
        if (user.IsCustomer) policies.Add(Policies.Customer);
        if (user.IsApprover) policies.Add(Policies.Approver);
        if (user.IsTenantAdministrator) policies.Add(Policies.GlobalAdministrator);
        if (user.IsEngineer) policies.Add(Policies.Engineer);
        Auth.SetPolicies(policies.ToArray());
        Services.GetRequiredService<CurrentUser>().Set(principal);
        return user;
    }

    /// <summary>Runs setup work as another persona in its own scope (e.g. an engineer filing the request a page then shows).</summary>
    protected async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    protected static ClaimsPrincipal PrincipalOf(DemoPersona persona) => DemoPersonas.Principal(persona);
}
