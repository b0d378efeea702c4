using LockboxPortal.Application.Security;
using LockboxPortal.Domain.ServicePrincipals;
using LockboxPortal.Domain.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class ResourceGroupConfiguration : IEntityTypeConfiguration<ResourceGroup>
{
    public void Configure(EntityTypeBuilder<ResourceGroup> b)
    {
        b.HasKey(g => g.Id);
        b.Property(g => g.Id).ValueGeneratedNever();
        b.Property(g => g.SubscriptionId).HasMaxLength(36).IsUnicode(false);
        b.Property(g => g.Name).HasMaxLength(90);
        b.Property(g => g.Location).HasMaxLength(40).IsUnicode(false);
        b.Property(g => g.CreatedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Ignore(g => g.Scope);
        b.HasOne<Tenant>().WithMany().HasForeignKey(g => g.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(g => new { g.TenantId, g.SubscriptionId, g.Name }).IsUnique();
    }
}

internal sealed class ServicePrincipalConfiguration : IEntityTypeConfiguration<ServicePrincipal>
{
    public void Configure(EntityTypeBuilder<ServicePrincipal> b)
    {
        b.HasKey(p => p.Id);
        b.Property(p => p.Id).ValueGeneratedNever();
        b.Property(p => p.DisplayName).HasMaxLength(120);
        b.Property(p => p.SubscriptionId).HasMaxLength(36).IsUnicode(false);
        b.Property(p => p.ResourceGroupName).HasMaxLength(90);
        b.Property(p => p.Role).HasMaxLength(64);
        b.Property(p => p.Scopes).HasMaxLength(2000);
        b.Property(p => p.Directory).HasMaxLength(16).IsUnicode(false);
        b.Property(p => p.CreatedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(p => p.Version).IsConcurrencyToken();
        b.Ignore(p => p.ScopeList);
        b.HasOne<Tenant>().WithMany().HasForeignKey(p => p.TenantId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(p => p.Credentials).WithOne().HasForeignKey(c => c.ServicePrincipalId).OnDelete(DeleteBehavior.Cascade);
        // A name is one application per tenant: reusing it must never reset another principal's secrets.
        b.HasIndex(p => new { p.TenantId, p.DisplayName }).IsUnique();
        b.HasIndex(p => new { p.TenantId, p.AppId }).IsUnique();
    }
}

internal sealed class ServicePrincipalCredentialConfiguration : IEntityTypeConfiguration<ServicePrincipalCredential>
{
    public void Configure(EntityTypeBuilder<ServicePrincipalCredential> b)
    {
        b.HasKey(c => c.KeyId);
        b.Property(c => c.KeyId).ValueGeneratedNever();
        b.Property(c => c.Hint).HasMaxLength(3);
        b.Property(c => c.SecretHash).HasMaxLength(200).IsUnicode(false);
        b.HasIndex(c => new { c.ServicePrincipalId, c.EndsAt });
    }
}
