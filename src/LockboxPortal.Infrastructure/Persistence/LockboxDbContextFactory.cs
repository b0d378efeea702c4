using LockboxPortal.Application.Persistence;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

internal sealed class LockboxDbContextFactory(IDbContextFactory<LockboxDbContext> inner) : ILockboxDbContextFactory
{
    public async Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
