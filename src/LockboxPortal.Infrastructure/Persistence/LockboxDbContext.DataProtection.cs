using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>The Data Protection key ring, when <c>DataProtection:Store</c> is <c>Database</c>: shared by every instance.</summary>
public partial class LockboxDbContext : IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
}
