using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();
}
