using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>
/// The portal's EF Core context. Feature areas may add their sets in other files of this partial class;
/// entity configurations are picked up from this assembly.
/// </summary>
public partial class LockboxDbContext(DbContextOptions<LockboxDbContext> options) : DbContext(options), ILockboxDbContext
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<SupportTicket> SupportTickets => Set<SupportTicket>();
    public DbSet<AccessRequest> AccessRequests => Set<AccessRequest>();
    public DbSet<UserProfile> UserProfiles => Set<UserProfile>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<AuditChainHead> AuditChainHeads => Set<AuditChainHead>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Database.IsSqlite())
        {
            // SQLite has no datetimeoffset: store UTC ticks as an integer so ORDER BY, range filters and
            // keyset comparisons run in the database (and on the indexes) rather than failing or going client-side.
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    public bool LikeFoldsOnlyAscii => Database.IsSqlite();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(LockboxDbContext).Assembly);
        // The function each SQLite connection is given on opening (SqliteConnectionSettingsInterceptor).
        if (Database.IsSqlite())
            modelBuilder.HasDbFunction(typeof(Application.Common.TextSearch).GetMethod(nameof(Application.Common.TextSearch.LikeIgnoringCase))!)
                .HasName(SqliteUnicodeLike.FunctionName);
    }
}
