using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LockboxPortal.Migrations.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add --project src/LockboxPortal.Migrations.Sqlite</c> build the SQLite model.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LockboxDbContext>
{
    public LockboxDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.Sqlite, "Data Source=design-time.db").Options);
}
