using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace LockboxPortal.Migrations.SqlServer;

/// <summary>Lets <c>dotnet ef migrations add --project src/LockboxPortal.Migrations.SqlServer</c> build the SQL Server model without a server.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LockboxDbContext>
{
    public LockboxDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LockboxDbContext>()
            .UseLockboxProvider(DatabaseProvider.SqlServer, "Server=(design-time);Database=Lockbox;Integrated Security=true;TrustServerCertificate=true").Options);
}
