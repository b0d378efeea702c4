using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

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
        b.Property(t => t.OpenedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(t => t.AssignedOrganization).HasMaxLength(100);
        b.Property(t => t.AssignedEngineerName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.HasOne<Tenant>().WithMany().HasForeignKey(t => t.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(t => new { t.TenantId, t.CreatedAt });
        b.HasIndex(t => new { t.AssignedEngineerOid, t.CreatedAt });
    }
}
