using LockboxPortal.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

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
