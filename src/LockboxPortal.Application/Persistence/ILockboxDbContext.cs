using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Grants;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.ServicePrincipals;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace LockboxPortal.Application.Persistence;

/// <summary>The portal's unit of work as application services see it; one per operation.</summary>
public interface ILockboxDbContext : IAsyncDisposable
{
    DbSet<Tenant> Tenants { get; }
    DbSet<SupportTicket> SupportTickets { get; }
    DbSet<AccessRequest> AccessRequests { get; }
    DbSet<UserProfile> UserProfiles { get; }
    DbSet<AuditEntry> AuditEntries { get; }
    DbSet<AuditChainHead> AuditChainHeads { get; }
    DbSet<OutboxMessage> OutboxMessages { get; }
    DbSet<AuditCheckpoint> AuditCheckpoints { get; }
    DbSet<SigningKey> SigningKeys { get; }
    DbSet<AccessGrant> AccessGrants { get; }
    DbSet<ResourceGroup> ResourceGroups { get; }
    DbSet<ServicePrincipal> ServicePrincipals { get; }
    DbSet<ServicePrincipalCredential> ServicePrincipalCredentials { get; }

    DatabaseFacade Database { get; }
    Task<int> SaveChangesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for this process's turn to write, where the provider allows one writer at a time (SQLite), so
    /// writers hand over in order instead of polling the file lock; null where writers run side by side.
    /// Dispose the result after commit or rollback.
    /// </summary>
    ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);
}

/// <summary>Creates a fresh context per operation (a Blazor circuit outlives any request).</summary>
public interface ILockboxDbContextFactory
{
    Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default);
}

public static class TransactionExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the provider's execution strategy, so a
    /// transient failure on Azure SQL replays the whole unit rather than half of it.
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this ILockboxDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(async token =>
        {
            using var turn = await db.EnterWriteAsync(token);
            await using var tx = await db.Database.BeginTransactionAsync(token);
            var result = await work(token);
            await db.SaveChangesAsync(token);
            await tx.CommitAsync(token);
            return result;
        }, ct);
    }
}
