using LockboxPortal.Infrastructure.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Support;

/// <summary>
/// A SQLite file migrated with the real migrations once per test run, which fixtures copy instead of
/// migrating their own file: running every migration costs far more than copying the result, and the copy is
/// still a real file that the portal's start-up (<c>InitializeDatabaseAsync</c>) then finds up to date.
/// </summary>
public static class TemplateDatabase
{
    private static readonly Lazy<string> Template = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Copies the migrated template to <paramref name="databasePath"/>, which must not exist yet.</summary>
    public static void CopyTo(string databasePath)
    {
        var template = Template.Value;
        if (File.Exists(databasePath))
            throw new InvalidOperationException($"{databasePath} exists already; a fixture copies the template only into a fresh folder.");
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
        File.Copy(template, databasePath);
    }

    private static string Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "lockbox-template", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };

        var path = Path.Combine(directory, "template.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString;
        using (var db = new LockboxDbContext(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.Sqlite, connectionString).Options))
        {
            db.Database.Migrate();
            // The same journal mode start-up sets; a full checkpoint leaves every page in the main file.
            db.Database.OpenConnection();
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
            db.Database.ExecuteSqlRaw("PRAGMA wal_checkpoint(TRUNCATE);");
            db.Database.CloseConnection();
        }

        // Closing the last connection removes the -wal and -shm files; a copy of the main file alone is then whole.
        foreach (var leftover in new[] { path + "-wal", path + "-shm", path + "-journal" })
            if (File.Exists(leftover))
                throw new InvalidOperationException($"The template database left {leftover} behind; copies of it would miss committed pages.");
        return path;
    }
}
