using LockboxPortal.Domain.Grants;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<AccessGrant> AccessGrants => Set<AccessGrant>();
}
