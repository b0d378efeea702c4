using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Integrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.Url).HasMaxLength(2048);
        b.Property(e => e.Events).HasMaxLength(2000).IsUnicode(false);
        b.Property(e => e.ProtectedSecret).HasMaxLength(1000).IsUnicode(false);
        b.Property(e => e.CreatedBy).HasMaxLength(PortalUser.NameMaxLength);
        b.Ignore(e => e.EventList);
        b.HasIndex(e => e.TenantId);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.HasKey(d => d.Id);
        b.Property(d => d.Id).ValueGeneratedNever();
        b.Property(d => d.EventId).HasMaxLength(100).IsUnicode(false);
        b.Property(d => d.EventType).HasMaxLength(100).IsUnicode(false);
        b.Property(d => d.LastError).HasMaxLength(2000);
        b.Property(d => d.ClaimedBy).HasMaxLength(200);
        b.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        b.HasIndex(d => new { d.EndpointId, d.CreatedAt });
    }
}

internal sealed class WebhookDeliveryAttemptConfiguration : IEntityTypeConfiguration<WebhookDeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookDeliveryAttempt> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Id).ValueGeneratedNever();
        b.Property(a => a.Error).HasMaxLength(2000);
        b.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.DeliveryId, a.Attempt });
    }
}
