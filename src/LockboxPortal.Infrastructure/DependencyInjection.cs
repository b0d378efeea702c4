using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Audit;
using LockboxPortal.Infrastructure.Events;
using LockboxPortal.Infrastructure.Notifications;
using LockboxPortal.Infrastructure.Grants;
using LockboxPortal.Infrastructure.Integrations;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Infrastructure.Scaling;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Infrastructure.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LockboxPortal.Infrastructure;

public static class DependencyInjection
{
    /// <summary>Persistence on the configured provider, live-update fan-out, notification delivery and background workers.</summary>
    public static IServiceCollection AddInfrastructure(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.TryAddTimeProvider();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.OptimizeInterval > TimeSpan.Zero, "Database:OptimizeInterval must be a positive time span, e.g. \"06:00:00\".")
            .ValidateOnStart();

        var provider = configuration.GetValue(DatabaseOptions.Section + ":Provider", DatabaseProvider.Sqlite);
        var connectionString = configuration.GetConnectionString("Lockbox");
        if (provider == DatabaseProvider.Sqlite)
        {
            connectionString = ProviderConfiguration.PrepareSqlite(connectionString ?? DatabaseOptions.DefaultSqliteConnection, contentRoot);
            services.AddHostedService<SqliteOptimizeWorker>();
        }
        else if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Database:Provider is SqlServer but ConnectionStrings:Lockbox is empty. Set it (e.g. the environment variable ConnectionStrings__Lockbox).");
        }

        var synchronous = configuration.GetValue(DatabaseOptions.Section + ":SqliteSynchronous", SqliteSynchronous.Full);
        services.AddPooledDbContextFactory<LockboxDbContext>(o => o.UseLockboxProvider(provider, connectionString, synchronous));
        services.AddSingleton<ILockboxDbContextFactory, LockboxDbContextFactory>();
        services.AddSingleton<IPortalEvents, InProcessPortalEvents>();
        services.AddRedisSharedState(configuration);
        services.AddHostedService<LifecycleSweepWorker>();
        services.AddHostedService<AttestationWorker>();
        services.AddNotifications(configuration, contentRoot);
        // The key ring protects cookies, antiforgery tokens and the grant signing keys.
        services.AddPortalDataProtection(configuration, contentRoot);
        services.AddGrantSigning(configuration, contentRoot);
        services.AddAuditAnchoring(configuration, contentRoot);
        services.AddServicePrincipals(configuration);
        services.AddWebhooks(configuration);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    /// <summary>The keys that sign grants; their private halves are protected by the Data Protection key ring (see <see cref="DataProtectionRegistration"/>).</summary>
    private static void AddGrantSigning(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<SigningOptions>().Bind(configuration.GetSection(SigningOptions.Section)).PostConfigure(o => o.BasePath = contentRoot);
        services.AddSingleton<ISigningKeyStore, SigningKeyStore>();
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }
}
