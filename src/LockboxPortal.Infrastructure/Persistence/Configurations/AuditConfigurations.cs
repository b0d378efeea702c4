using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasKey(e => new { e.ChainId, e.Sequence });
        b.Property(e => e.Sequence).ValueGeneratedNever();
        b.Property(e => e.Actor).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(e => e.Action).HasMaxLength(64).IsUnicode(false);
        b.Property(e => e.Target).HasMaxLength(200);
        b.Property(e => e.PreviousHash).HasMaxLength(64).IsUnicode(false);
        b.Property(e => e.Hash).HasMaxLength(64).IsUnicode(false);
        b.HasIndex(e => new { e.TenantId, e.Sequence });
        b.HasIndex(e => new { e.Target, e.Sequence });
    }
}

internal sealed class AuditChainHeadConfiguration : IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditChainHead> b)
    {
        b.HasKey(h => h.ChainId);
        b.Property(h => h.LastHash).HasMaxLength(64).IsUnicode(false);
        // The portal chain's head exists from the start (the readiness check looks for it); a tenant's head is
        // created with the tenant's first entry.
        b.HasData(new AuditChainHead { ChainId = AuditChains.Portal, Sequence = 0, LastHash = "" });
    }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> b)
    {
        b.HasKey(c => new { c.ChainId, c.Number });
        b.Property(c => c.Number).ValueGeneratedNever();
        b.Property(c => c.Hash).HasMaxLength(64).IsUnicode(false);
        b.Property(c => c.PreviousHash).HasMaxLength(64).IsUnicode(false);
        b.Property(c => c.KeyId).HasMaxLength(64).IsUnicode(false);
        b.Property(c => c.Signature).HasMaxLength(2000).IsUnicode(false);
        b.HasIndex(c => c.AnchoredAt);
    }
}
