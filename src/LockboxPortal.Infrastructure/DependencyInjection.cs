using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Events;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Infrastructure.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LockboxPortal.Infrastructure;

public static class DependencyInjection
{
    /// <summary>Persistence on the configured provider, live-update fan-out and background workers.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.TryAddTimeProvider();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));

        var provider = configuration.GetValue(DatabaseOptions.Section + ":Provider", DatabaseProvider.Sqlite);
        var connectionString = configuration.GetConnectionString("Lockbox");
        if (provider == DatabaseProvider.Sqlite)
        {
            connectionString = ProviderConfiguration.PrepareSqlite(connectionString ?? DatabaseOptions.DefaultSqliteConnection, contentRoot);
        }
        else if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Database:Provider is SqlServer but ConnectionStrings:Lockbox is empty. Set it (e.g. the environment variable ConnectionStrings__Lockbox).");
        }

        services.AddPooledDbContextFactory<LockboxDbContext>(o => o.UseLockboxProvider(provider, connectionString));
        services.AddSingleton<ILockboxDbContextFactory, LockboxDbContextFactory>();
        services.AddSingleton<IPortalEvents, InProcessPortalEvents>();
        services.AddHostedService<LifecycleSweepWorker>();
        services.AddServicePrincipals(configuration);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }
}
