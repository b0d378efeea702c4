using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Grants;
using LockboxPortal.Domain.Integrations;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.ServicePrincipals;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Domain.Transparency;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

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
    DbSet<WebhookEndpoint> WebhookEndpoints { get; }
    DbSet<WebhookDelivery> WebhookDeliveries { get; }
    DbSet<WebhookDeliveryAttempt> WebhookDeliveryAttempts { get; }
    DbSet<AccessEvent> AccessEvents { get; }
    DbSet<Attestation> Attestations { get; }
    DbSet<RequestApproval> RequestApprovals { get; }
    DbSet<ApprovalRule> ApprovalRules { get; }
    DbSet<TenantSubscription> TenantSubscriptions { get; }
    DbSet<SubscriptionApprover> SubscriptionApprovers { get; }

    DatabaseFacade Database { get; }
    ChangeTracker ChangeTracker { get; }
    Task<int> SaveChangesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="unit"/> (its writes and its <c>SaveChanges</c>) in a write transaction of this context and
    /// returns once that transaction has committed; a unit that throws changes nothing. Where the provider allows one
    /// writer at a time (SQLite), units of this process queue in order instead of polling the file lock, and the
    /// units that queued while one ran commit together with it (one commit, one flush for all of them); each is
    /// still all or nothing, and none returns before its writes are committed.
    /// </summary>
    Task<T> InWriteTransactionAsync<T>(Func<CancellationToken, Task<T>> unit, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the provider's LIKE ignores case for A–Z only (SQLite), where SQL Server's collation ignores it for every
    /// letter: searches then match other text with <see cref="Common.TextSearch"/>.
    /// </summary>
    bool LikeFoldsOnlyAscii { get; }

    /// <summary>Whether the write failed on a unique index or key (another writer holds that value), as the provider reports it.</summary>
    bool IsUniqueConstraintViolation(DbUpdateException exception);

    /// <summary>The same, for a statement run directly (not through <c>SaveChanges</c>): the provider's own exception.</summary>
    bool IsUniqueConstraintViolation(System.Data.Common.DbException exception);
}

/// <summary>Creates a fresh context per operation (a Blazor circuit outlives any request).</summary>
public interface ILockboxDbContextFactory
{
    Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default);
}

public static class TransactionExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the provider's execution strategy, so a transient
    /// failure on Azure SQL replays the whole unit rather than half of it. Each attempt starts on an empty change
    /// tracker: what a rolled-back attempt added (an audit entry, a grant) is not carried into the next one. When
    /// the failure leaves the commit's outcome unknown, the attempt's last audit entry is read back: if it is
    /// there, the work committed and its result stands, rather than replaying it into a false conflict.
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this ILockboxDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(new Attempt<T>(db, work), static (_, attempt, token) => attempt.RunAsync(token),
            static (_, attempt, token) => attempt.VerifyAsync(token), ct);
    }

    private sealed class Attempt<T>(ILockboxDbContext db, Func<CancellationToken, Task<T>> work)
    {
        private (long Sequence, string Hash)? _marker;
        private T _result = default!;

        public async Task<T> RunAsync(CancellationToken ct)
        {
            db.ChangeTracker.Clear();
            _marker = null;
            return await db.InWriteTransactionAsync(async token =>
            {
                _result = await work(token);
                _marker = db.ChangeTracker.Entries<AuditEntry>().Where(e => e.State == EntityState.Added)
                    .Select(e => ((long, string)?)(e.Entity.Sequence, e.Entity.Hash)).LastOrDefault();
                await db.SaveChangesAsync(token);
                return _result;
            }, ct);
        }

        /// <summary>Did the failed attempt commit after all? Only an attempt that wrote an audit entry can tell; others replay.</summary>
        public async Task<ExecutionResult<T>> VerifyAsync(CancellationToken ct)
        {
            if (_marker is not { } m) return new ExecutionResult<T>(false, default!);
            db.ChangeTracker.Clear();
            var landed = await db.AuditEntries.AsNoTracking().AnyAsync(e => e.Sequence == m.Sequence && e.Hash == m.Hash, ct);
            return new ExecutionResult<T>(landed, landed ? _result : default!);
        }
    }
}
