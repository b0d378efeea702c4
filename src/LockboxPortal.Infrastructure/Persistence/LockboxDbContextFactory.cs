using LockboxPortal.Application.Persistence;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

internal sealed class LockboxDbContextFactory(IDbContextFactory<LockboxDbContext> inner) : ILockboxDbContextFactory
{
    public async Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
    {
        var db = await inner.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // One open per unit of work rather than one per query: every time EF opens a SQLite connection it
            // registers its SQL functions again, and the handles it drops were a third of the process's CPU in
            // the finalizer under a burst of decisions (dotnet-trace, docs/performance.md). The context closes it when disposed.
            await db.Database.OpenConnectionAsync(cancellationToken);
            db.OpenedForUnitOfWork = true;
        }
        return db;
    }
}
