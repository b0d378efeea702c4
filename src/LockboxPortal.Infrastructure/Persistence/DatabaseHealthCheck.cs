using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>Ready when the database answers and carries the migrated schema.</summary>
internal sealed class DatabaseHealthCheck(IDbContextFactory<LockboxDbContext> factory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var head = await db.AuditChainHeads.AsNoTracking().AnyAsync(cancellationToken);
            return head ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The schema is not initialised.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("The database did not answer.", ex);
        }
    }
}
