using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class AccessRequestConfiguration : IEntityTypeConfiguration<AccessRequest>
{
    public void Configure(EntityTypeBuilder<AccessRequest> b)
    {
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).ValueGeneratedNever();
        b.Property(r => r.TicketNumber).HasMaxLength(16).IsUnicode(false);
        b.Property(r => r.EngineerName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(r => r.EngineerEmail).HasMaxLength(254);
        b.Property(r => r.SupportOrganization).HasMaxLength(100);
        b.Property(r => r.ResourceIds).HasMaxLength(21000);
        b.Property(r => r.Justification).HasMaxLength(2000);
        b.Property(r => r.DecidedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(r => r.DecisionReason).HasMaxLength(1000);
        b.Property(r => r.ClosedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(r => r.ClosedReason).HasMaxLength(1000);
        b.Property(r => r.PolicySummary).HasMaxLength(300);
        b.Ignore(r => r.ResourceIdList);
        b.Ignore(r => r.ApprovalProgress);
        b.Ignore(r => r.RequestedDuration);

        b.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<SupportTicket>().WithMany().HasForeignKey(r => r.TicketId).OnDelete(DeleteBehavior.Restrict);

        // The blade: a tenant's requests newest first (keyset on CreatedAt, Id), optionally by status.
        b.HasIndex(r => new { r.TenantId, r.CreatedAt, r.Id });
        b.HasIndex(r => new { r.TenantId, r.Status, r.CreatedAt, r.Id });
        // An engineer's own requests.
        b.HasIndex(r => new { r.EngineerOid, r.CreatedAt, r.Id });
        // The sweeper and the access check.
        b.HasIndex(r => new { r.Status, r.PendingUntil });
        b.HasIndex(r => new { r.Status, r.AccessEndsAt });
        b.HasIndex(r => new { r.Status, r.ReminderDueAt });
        b.HasIndex(r => new { r.TicketId, r.CreatedAt });
    }
}
