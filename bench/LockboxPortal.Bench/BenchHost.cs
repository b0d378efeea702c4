using LockboxPortal.Application;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Bench;

/// <summary>
/// The portal's real application and infrastructure services (the same composition as the Web app and the
/// test fixture) over the benchmark database, with the system clock. No hosted workers run: nothing starts them.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    public BenchHost(BenchOptions options, Action<IServiceCollection>? services = null)
    {
        var provider = options.Get("provider", "Sqlite");
        var connection = options.Get("connection") ?? $"Data Source={Path.GetFullPath(options.Get("db", "bench/data/lockbox-1m.db"))}";
        IsSqlite = provider == "Sqlite";
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider,
            ["ConnectionStrings:Lockbox"] = connection,
            ["SupportOrganizations:Organizations:0:Name"] = "Microsoft",
            ["SupportOrganizations:Organizations:0:TenantId"] = DemoPersonas.MicrosoftTenant.ToString(),
            ["SupportOrganizations:Organizations:0:Products:0"] = "Azure Red Hat OpenShift",
            ["SupportOrganizations:Organizations:1:Name"] = "Red Hat",
            ["SupportOrganizations:Organizations:1:TenantId"] = DemoPersonas.RedHatTenant.ToString(),
            ["SupportOrganizations:Organizations:1:Products:0"] = "Red Hat OpenShift",
            ["Portal:PublicBaseUrl"] = "https://lockbox.bench",
            ["Database:SqliteSynchronous"] = options.Get("synchronous", "Full"),
            ["Portal:MailFrom"] = "lockbox@lockbox.bench",
            // The bench database's audit anchors live beside it, apart from a development portal's data/.
            ["Audit:Anchors:Folder"] = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Get("db", "bench/data/lockbox-1m.db")))!, "audit-digests"),
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b =>
        {
            b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
            // BENCH_SQL_LOG=1: every SQL command with its duration, to see where a slow call spends its time.
            if (Environment.GetEnvironmentVariable("BENCH_SQL_LOG") == "1")
                b.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information);
        });
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddApplication(configuration);
        collection.AddInfrastructure(configuration, Directory.GetCurrentDirectory());
        services?.Invoke(collection);
        Services = collection.BuildServiceProvider();
    }

    public ServiceProvider Services { get; }
    public bool IsSqlite { get; }

    /// <summary>A scope whose caller is <paramref name="persona"/>, as a circuit or request would have.</summary>
    public AsyncServiceScope ScopeFor(DemoPersona persona)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return scope;
    }

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
