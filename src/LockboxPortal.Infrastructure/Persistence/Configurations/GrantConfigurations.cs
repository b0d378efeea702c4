using LockboxPortal.Domain.Grants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class SigningKeyConfiguration : IEntityTypeConfiguration<SigningKey>
{
    public void Configure(EntityTypeBuilder<SigningKey> b)
    {
        b.HasKey(k => k.KeyId);
        b.Property(k => k.KeyId).HasMaxLength(64).IsUnicode(false);
        b.Property(k => k.PublicJwk).HasMaxLength(500).IsUnicode(false);
        b.Property(k => k.ProtectedPrivateKey).HasMaxLength(4000).IsUnicode(false);
        b.Ignore(k => k.IsActive);
        b.HasIndex(k => k.RetiredAt);
    }
}

internal sealed class AccessGrantConfiguration : IEntityTypeConfiguration<AccessGrant>
{
    public void Configure(EntityTypeBuilder<AccessGrant> b)
    {
        b.HasKey(g => g.RequestId);
        b.Property(g => g.RequestId).ValueGeneratedNever();
        b.Property(g => g.KeyId).HasMaxLength(64).IsUnicode(false);
        b.Property(g => g.Token).IsUnicode(false); // up to 20 resource ids of 1 KiB each: no fixed limit
        b.HasOne<Domain.Lockbox.AccessRequest>().WithOne().HasForeignKey<AccessGrant>(g => g.RequestId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(g => new { g.KeyId, g.ExpiresAt });
    }
}
