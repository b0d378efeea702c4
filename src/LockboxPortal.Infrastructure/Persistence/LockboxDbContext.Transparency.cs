using LockboxPortal.Domain.Transparency;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    public DbSet<AccessEvent> AccessEvents => Set<AccessEvent>();
    public DbSet<Attestation> Attestations => Set<Attestation>();
}
