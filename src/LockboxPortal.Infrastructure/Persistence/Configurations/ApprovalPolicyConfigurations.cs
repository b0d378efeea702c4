using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class RequestApprovalConfiguration : IEntityTypeConfiguration<RequestApproval>
{
    public void Configure(EntityTypeBuilder<RequestApproval> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Id).ValueGeneratedNever();
        b.Property(a => a.ApproverName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(a => a.Comment).HasMaxLength(1000);
        b.HasOne<AccessRequest>().WithMany().HasForeignKey(a => a.RequestId).OnDelete(DeleteBehavior.Cascade);
        // One approval per approver per request: the same person can never count twice toward a quorum.
        b.HasIndex(a => new { a.RequestId, a.ApproverOid }).IsUnique();
    }
}

internal sealed class ApprovalRuleConfiguration : IEntityTypeConfiguration<ApprovalRule>
{
    public void Configure(EntityTypeBuilder<ApprovalRule> b)
    {
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).ValueGeneratedNever();
        b.Property(r => r.Name).HasMaxLength(100);
        b.Property(r => r.SupportOrganization).HasMaxLength(100);
        b.Property(r => r.Product).HasMaxLength(100);
        b.Property(r => r.CreatedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Ignore(r => r.HasCondition);
        b.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(r => new { r.RuleId, r.Version }).IsUnique();
        // Filing reads a tenant's current rules in order.
        b.HasIndex(r => new { r.TenantId, r.IsCurrent, r.Position });
    }
}

internal sealed class TenantSubscriptionConfiguration : IEntityTypeConfiguration<TenantSubscription>
{
    public void Configure(EntityTypeBuilder<TenantSubscription> b)
    {
        b.HasKey(s => new { s.TenantId, s.SubscriptionId });
        b.Property(s => s.DisplayName).HasMaxLength(100);
        b.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class SubscriptionApproverConfiguration : IEntityTypeConfiguration<SubscriptionApprover>
{
    public void Configure(EntityTypeBuilder<SubscriptionApprover> b)
    {
        b.HasKey(s => new { s.TenantId, s.SubscriptionId, s.ApproverOid });
        b.Property(s => s.ApproverName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(s => s.ApproverEmail).HasMaxLength(254);
        b.HasOne<TenantSubscription>().WithMany().HasForeignKey(s => new { s.TenantId, s.SubscriptionId }).OnDelete(DeleteBehavior.Cascade);
        // What a signed-in approver may decide: their subscriptions.
        b.HasIndex(s => new { s.ApproverOid, s.TenantId });
    }
}
