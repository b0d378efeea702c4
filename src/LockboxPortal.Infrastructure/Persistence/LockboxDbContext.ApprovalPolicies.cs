using LockboxPortal.Domain.Lockbox;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Infrastructure.Persistence;

public partial class LockboxDbContext
{
    public DbSet<RequestApproval> RequestApprovals => Set<RequestApproval>();
    public DbSet<ApprovalRule> ApprovalRules => Set<ApprovalRule>();
    public DbSet<TenantSubscription> TenantSubscriptions => Set<TenantSubscription>();
    public DbSet<SubscriptionApprover> SubscriptionApprovers => Set<SubscriptionApprover>();
}
