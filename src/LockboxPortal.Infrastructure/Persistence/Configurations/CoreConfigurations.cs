using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> b)
    {
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.DisplayName).HasMaxLength(200);
        b.Property(t => t.LockboxChangedByName).HasMaxLength(200);
        b.Property(t => t.AlternateNotificationEmails).HasMaxLength(5200);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.Ignore(t => t.AlternateEmails);
    }
}

internal sealed class SupportTicketConfiguration : IEntityTypeConfiguration<SupportTicket>
{
    public void Configure(EntityTypeBuilder<SupportTicket> b)
    {
        b.HasKey(t => t.Id);
        b.Property(t => t.Id).ValueGeneratedNever();
        b.Property(t => t.Number).HasMaxLength(16).IsUnicode(false);
        b.HasIndex(t => t.Number).IsUnique();
        b.Property(t => t.Title).HasMaxLength(200);
        b.Property(t => t.Description).HasMaxLength(5000);
        b.Property(t => t.Product).HasMaxLength(100);
        b.Property(t => t.ResourceId).HasMaxLength(1024);
        b.Property(t => t.OpenedByName).HasMaxLength(200);
        b.Property(t => t.AssignedOrganization).HasMaxLength(100);
        b.Property(t => t.AssignedEngineerName).HasMaxLength(200);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(t => new { t.TenantId, t.CreatedAt });
        b.HasIndex(t => new { t.AssignedEngineerOid, t.CreatedAt });
    }
}

internal sealed class AccessRequestConfiguration : IEntityTypeConfiguration<AccessRequest>
{
    public void Configure(EntityTypeBuilder<AccessRequest> b)
    {
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).ValueGeneratedNever();
        b.Property(r => r.TicketNumber).HasMaxLength(16).IsUnicode(false);
        b.Property(r => r.EngineerName).HasMaxLength(200);
        b.Property(r => r.EngineerEmail).HasMaxLength(254);
        b.Property(r => r.SupportOrganization).HasMaxLength(100);
        b.Property(r => r.ResourceIds).HasMaxLength(21000);
        b.Property(r => r.Justification).HasMaxLength(2000);
        b.Property(r => r.DecidedByName).HasMaxLength(200);
        b.Property(r => r.DecisionReason).HasMaxLength(1000);
        b.Property(r => r.ClosedByName).HasMaxLength(200);
        b.Property(r => r.ClosedReason).HasMaxLength(1000);
        b.Ignore(r => r.ResourceIdList);
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

internal sealed class UserProfileConfiguration : IEntityTypeConfiguration<UserProfile>
{
    public void Configure(EntityTypeBuilder<UserProfile> b)
    {
        b.HasKey(u => u.Oid);
        b.Property(u => u.Oid).ValueGeneratedNever();
        b.Property(u => u.DisplayName).HasMaxLength(200);
        b.Property(u => u.Email).HasMaxLength(254);
        b.Property(u => u.SupportOrganization).HasMaxLength(100);
        b.Property(u => u.Roles).HasMaxLength(1000);
        b.HasIndex(u => new { u.TenantId, u.IsGlobalAdministrator, u.IsApprover });
        b.HasIndex(u => new { u.TenantId, u.IsEngineer });
    }
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.HasKey(m => m.Id);
        b.Property(m => m.Id).ValueGeneratedNever();
        b.Property(m => m.MessageId).HasMaxLength(200).IsUnicode(false);
        b.HasIndex(m => m.MessageId).IsUnique();
        b.Property(m => m.Kind).HasMaxLength(64).IsUnicode(false);
        b.Property(m => m.To).HasMaxLength(6000);
        b.Property(m => m.Subject).HasMaxLength(300);
        b.Property(m => m.LastError).HasMaxLength(2000);
        b.Property(m => m.ClaimedBy).HasMaxLength(200);
        b.Ignore(m => m.Recipients);
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
        b.HasIndex(m => new { m.TenantId, m.Status, m.CreatedAt });
    }
}
