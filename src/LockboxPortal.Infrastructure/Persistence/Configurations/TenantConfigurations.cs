using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Tenants;
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
        b.Property(t => t.LockboxChangedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(t => t.AlternateNotificationEmails).HasMaxLength(5200);
        b.Property(t => t.TimeZoneId).HasMaxLength(100);
        b.Property(t => t.Version).IsConcurrencyToken();
        b.Ignore(t => t.AlternateEmails);
    }
}
