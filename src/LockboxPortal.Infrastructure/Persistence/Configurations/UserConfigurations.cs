using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class UserProfileConfiguration : IEntityTypeConfiguration<UserProfile>
{
    public void Configure(EntityTypeBuilder<UserProfile> b)
    {
        b.HasKey(u => u.Oid);
        b.Property(u => u.Oid).ValueGeneratedNever();
        b.Property(u => u.DisplayName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(u => u.Email).HasMaxLength(254);
        b.Property(u => u.SupportOrganization).HasMaxLength(100);
        b.Property(u => u.Roles).HasMaxLength(1000);
        b.HasIndex(u => new { u.TenantId, u.IsGlobalAdministrator, u.IsApprover });
        b.HasIndex(u => new { u.TenantId, u.IsEngineer });
    }
}
