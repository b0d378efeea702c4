using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public static class ProviderConfiguration
{
    /// <summary>How long a SQLite writer waits for the write lock before it fails with "database is locked".</summary>
    public static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Points the options at the chosen provider and its own migrations assembly.</summary>
    public static TBuilder UseLockboxProvider<TBuilder>(this TBuilder options, DatabaseProvider provider, string connectionString,
        SqliteSynchronous sqliteSynchronous = SqliteSynchronous.Full)
        where TBuilder : DbContextOptionsBuilder
    {
        _ = provider switch
        {
            DatabaseProvider.Sqlite => options.UseSqlite(connectionString, o => o.MigrationsAssembly(DatabaseOptions.SqliteMigrationsAssembly))
                .AddInterceptors(new SqliteConnectionSettingsInterceptor(sqliteSynchronous, SqliteBusyTimeout)),
            DatabaseProvider.SqlServer => options.UseSqlServer(connectionString, o => o
                .MigrationsAssembly(DatabaseOptions.SqlServerMigrationsAssembly)
                .EnableRetryOnFailure(maxRetryCount: 5, maxRetryDelay: TimeSpan.FromSeconds(5), errorNumbersToAdd: null)),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Database:Provider must be Sqlite or SqlServer."),
        };
        return options;
    }

    /// <summary>Makes a relative SQLite data source absolute against <paramref name="baseDirectory"/> and creates its folder.</summary>
    public static string PrepareSqlite(string connectionString, string baseDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } source && source != ":memory:" && !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            && builder.Mode != SqliteOpenMode.Memory)
        {
            var path = Path.GetFullPath(source, baseDirectory);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            builder.DataSource = path;
        }
        return builder.ToString();
    }
}
