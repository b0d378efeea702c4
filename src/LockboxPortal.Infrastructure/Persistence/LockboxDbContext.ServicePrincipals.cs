using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    public DbSet<ResourceGroup> ResourceGroups => Set<ResourceGroup>();
    public DbSet<ServicePrincipal> ServicePrincipals => Set<ServicePrincipal>();
    public DbSet<ServicePrincipalCredential> ServicePrincipalCredentials => Set<ServicePrincipalCredential>();
}
