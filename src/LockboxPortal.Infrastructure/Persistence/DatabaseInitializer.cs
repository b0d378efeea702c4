using LockboxPortal.Application.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Persistence;

public static class DatabaseInitializer
{
    /// <summary>Creates and migrates the database; on SQLite switches the file to write-ahead logging.</summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));
        await using var db = await services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync(ct);

        if (options.MigrateOnStart)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
                await db.Database.MigrateAsync(ct);
            }
        }

        // Part of the move to per-tenant audit chains, before anything appends: a no-op once done.
        await services.GetRequiredService<AuditRechainer>().RechainAsync(ct);

        if (db.Database.IsSqlite())
        {
            // WAL persists in the file: readers never block the writer, and a crash loses no committed transaction.
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
