using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    /// <summary>
    /// The factory opened the connection for the whole unit of work (<see cref="LockboxDbContextFactory"/>). Disposing
    /// closes it through EF, which balances that open: a pooled context's next user starts with EF's count of opens
    /// at zero, so its connection can be changed (a unit joining a batch on another connection does).
    /// </summary>
    internal bool OpenedForUnitOfWork { get; set; }

    public override void Dispose()
    {
        CloseForUnitOfWork();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        CloseForUnitOfWork();
        return base.DisposeAsync();
    }

    private void CloseForUnitOfWork()
    {
        if (!OpenedForUnitOfWork) return;
        OpenedForUnitOfWork = false;
        Database.CloseConnection();
    }

    public Task<T> InWriteTransactionAsync<T>(Func<CancellationToken, Task<T>> unit, CancellationToken cancellationToken) =>
        Database.IsSqlite()
            ? SqliteWriteQueue.For(Database.GetDbConnection().DataSource ?? "").RunAsync(this, unit, cancellationToken)
            : OwnTransactionAsync(unit, cancellationToken);

    /// <summary>A transaction of this context's own, committed before it returns.</summary>
    internal async Task<T> OwnTransactionAsync<T>(Func<CancellationToken, Task<T>> unit, CancellationToken cancellationToken)
    {
        await using var tx = await Database.BeginTransactionAsync(cancellationToken);
        var result = await unit(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return result;
    }
}
