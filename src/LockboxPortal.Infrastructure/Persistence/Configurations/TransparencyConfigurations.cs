using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Transparency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LockboxPortal.Infrastructure.Persistence.Configurations;

internal sealed class AccessEventConfiguration : IEntityTypeConfiguration<AccessEvent>
{
    public void Configure(EntityTypeBuilder<AccessEvent> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).ValueGeneratedNever();
        b.Property(e => e.EventId).HasMaxLength(AccessEvent.MaxEventIdLength);
        b.Property(e => e.Caller).HasMaxLength(100);
        b.Property(e => e.ResourceId).HasMaxLength(AccessEvent.MaxResourceIdLength);
        b.Property(e => e.Action).HasMaxLength(AccessEvent.MaxActionLength);
        b.Property(e => e.Reason).HasMaxLength(200);
        b.HasOne<AccessRequest>().WithMany().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Restrict);
        // "Events of a request in time order": the page's one query.
        b.HasIndex(e => new { e.RequestId, e.OccurredAt });
        // A gateway's retry finds its event here and is not recorded twice.
        b.HasIndex(e => new { e.Caller, e.EventId }).IsUnique();
    }
}

internal sealed class AttestationConfiguration : IEntityTypeConfiguration<Attestation>
{
    public void Configure(EntityTypeBuilder<Attestation> b)
    {
        b.HasKey(a => a.RequestId);
        b.Property(a => a.RequestId).ValueGeneratedNever();
        b.Property(a => a.EngineerEmail).HasMaxLength(254);
        b.Property(a => a.Account).HasMaxLength(Attestation.MaxAccountLength);
        b.Property(a => a.ReviewedByName).HasMaxLength(PortalUser.NameMaxLength);
        b.Property(a => a.ReviewNote).HasMaxLength(Attestation.MaxNoteLength);
        b.HasOne<AccessRequest>().WithOne().HasForeignKey<Attestation>(a => a.RequestId).OnDelete(DeleteBehavior.Restrict);
        // The worker's reminder query.
        b.HasIndex(a => new { a.Status, a.NextReminderAt });
    }
}
