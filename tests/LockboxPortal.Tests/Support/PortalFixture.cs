using LockboxPortal.Application;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LockboxPortal.Tests.Support;

/// <summary>
/// The application and infrastructure services over a real SQLite file migrated with the real migrations,
/// with a <see cref="FakeTimeProvider"/>. One per test class instance: every test starts from its own copy of
/// the migrated template (<see cref="TemplateDatabase"/>), with no data in it.
/// </summary>
public sealed class PortalFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 9, 0, 0, TimeSpan.Zero);

    private readonly string _directory;

    /// <param name="sqliteOnly">Stay on SQLite even when the suite runs against SQL Server (for SQLite-specific checks).</param>
    public PortalFixture(Action<IDictionary<string, string?>>? configure = null, Action<IServiceCollection>? services = null, bool sqliteOnly = false)
    {
        _directory = Path.Combine(Path.GetTempPath(), "lockbox-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        DatabasePath = Path.Combine(_directory, "lockbox.db");

        var settings = DefaultSettings(DatabasePath, sqliteOnly);
        configure?.Invoke(settings);
        IsSqlServer = settings["Database:Provider"] == "SqlServer";
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        collection.AddSingleton<TimeProvider>(Time);
        collection.AddSingleton<IConfiguration>(Configuration);
        collection.AddApplication(Configuration);
        collection.AddInfrastructure(Configuration, _directory);
        // SQLite stores any length: the sizes SQL Server enforces are held here, so an overlong text fails a test.
        collection.ConfigureDbContext<Infrastructure.Persistence.LockboxDbContext>(o => o.AddInterceptors(ColumnLengthGuard.Instance));
        services?.Invoke(collection);
        Services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public FakeTimeProvider Time { get; } = new(Start);
    public CapturingLoggerProvider Logs { get; } = new();
    public IConfiguration Configuration { get; }
    public ServiceProvider Services { get; }
    public string DatabasePath { get; }
    public string ConnectionString => $"Data Source={DatabasePath}";
    public bool IsSqlServer { get; }

    /// <summary>
    /// SQLite by default. With <c>Database__Provider=SqlServer</c> and <c>ConnectionStrings__Lockbox</c> in the
    /// environment (the SQL Server job of azure-pipelines.yml) each fixture gets its own database on that server.
    /// </summary>
    public static Dictionary<string, string?> DefaultSettings(string databasePath, bool sqliteOnly = false)
    {
        var settings = BaseSettings();
        var server = Environment.GetEnvironmentVariable("ConnectionStrings__Lockbox");
        if (!sqliteOnly && Environment.GetEnvironmentVariable("Database__Provider") == "SqlServer" && !string.IsNullOrWhiteSpace(server))
        {
            settings["Database:Provider"] = "SqlServer";
            settings["ConnectionStrings:Lockbox"] = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(server)
            {
                InitialCatalog = "lockbox_test_" + Guid.NewGuid().ToString("N"),
            }.ConnectionString;
        }
        else
        {
            settings["Database:Provider"] = "Sqlite";
            settings["ConnectionStrings:Lockbox"] = $"Data Source={databasePath}";
        }
        return settings;
    }

    private static Dictionary<string, string?> BaseSettings() => new()
    {
        ["SupportOrganizations:Organizations:0:Name"] = "Microsoft",
        ["SupportOrganizations:Organizations:0:TenantId"] = DemoPersonas.MicrosoftTenant.ToString(),
        ["SupportOrganizations:Organizations:0:Products:0"] = "Azure Red Hat OpenShift",
        ["SupportOrganizations:Organizations:0:Products:1"] = "Azure Kubernetes Service",
        ["SupportOrganizations:Organizations:1:Name"] = "Red Hat",
        ["SupportOrganizations:Organizations:1:TenantId"] = DemoPersonas.RedHatTenant.ToString(),
        ["SupportOrganizations:Organizations:1:Products:0"] = "Red Hat OpenShift",
        ["Portal:PublicBaseUrl"] = "https://lockbox.test",
        ["Portal:MailFrom"] = "lockbox@lockbox.test",
    };

    /// <summary>
    /// Copies the migrated template into place (SQLite), runs the portal's start-up on it, and records every
    /// demo persona's sign-in, as if each had signed in once. <paramref name="fromTemplate"/> false migrates
    /// the empty file instead, for the tests of migrating itself.
    /// </summary>
    public async Task InitializeAsync(bool lockboxEnabled = true, bool fromTemplate = true)
    {
        if (fromTemplate && !IsSqlServer) TemplateDatabase.CopyTo(DatabasePath);
        await Services.InitializeDatabaseAsync();
        foreach (var persona in DemoPersonas.All)
            await As(persona, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(DemoPersonas.Principal(persona)));
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        await db.Tenants.ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, lockboxEnabled));
        await db.Tenants.Where(t => t.Id == DemoPersonas.ContosoTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.DisplayName, "Contoso"));
        await db.Tenants.Where(t => t.Id == DemoPersonas.FabrikamTenant).ExecuteUpdateAsync(s => s.SetProperty(t => t.DisplayName, "Fabrikam"));
    }

    /// <summary>Runs <paramref name="action"/> in a fresh scope whose caller is <paramref name="persona"/> (null: anonymous).</summary>
    public async Task<T> As<T>(DemoPersona? persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(persona is null ? null : DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }

    public Task As(DemoPersona? persona, Func<IServiceProvider, Task> action) =>
        As<int>(persona, async sp => { await action(sp); return 0; });

    public async Task<T> Db<T>(Func<ILockboxDbContext, Task<T>> query)
    {
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        return await query(db);
    }

    public async ValueTask DisposeAsync()
    {
        if (IsSqlServer)
        {
            await using var db = await Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();
            await db.Database.EnsureDeletedAsync();
        }
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
