using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Administration;

public sealed record LockboxSettingsDto(
    Guid TenantId,
    string TenantName,
    bool LockboxEnabled,
    string? ChangedByName,
    DateTimeOffset? ChangedAt,
    IReadOnlyList<string> AlternateEmails,
    Guid Version);

/// <summary>The Administration module: Global Administrators of a tenant, and only of their own tenant.</summary>
public sealed class AdministrationService(
    ILockboxDbContextFactory dbFactory,
    ICurrentUser currentUser,
    TimeProvider time,
    AuditWriter audit,
    NotificationComposer notifications,
    IPortalEvents events)
{
    public const int MaxAlternateEmails = 20;

    public async Task<LockboxSettingsDto> GetSettingsAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var t = await db.Tenants.AsNoTracking().SingleOrDefaultAsync(x => x.Id == user.TenantId, ct)
            ?? throw new NotFoundException("Your tenant is not registered yet; sign out and in again.");
        return ToDto(t);
    }

    /// <summary>Whether Lockbox is on for the caller's own tenant (any customer may know this).</summary>
    public async Task<bool> IsLockboxEnabledAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireCustomer();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Tenants.AsNoTracking().Where(x => x.Id == user.TenantId).Select(x => x.LockboxEnabled).SingleOrDefaultAsync(ct);
    }

    public async Task<LockboxSettingsDto> SetLockboxEnabledAsync(bool enabled, Guid expectedVersion, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = await db.InTransactionAsync(async token =>
        {
            var t = await LoadForEditAsync(db, user, expectedVersion, token);
            if (t.LockboxEnabled == enabled) return t;
            var now = time.GetUtcNow();
            t.LockboxEnabled = enabled;
            t.LockboxChangedAt = now;
            t.LockboxChangedByOid = user.Oid;
            t.LockboxChangedByName = user.Name;
            t.Version = Guid.NewGuid();
            await audit.AppendAsync(db, new AuditRecord(AuditActions.LockboxSwitched, $"tenant/{t.Id}", user.Name, user.Oid, t.Id,
                new Dictionary<string, object?> { ["enabled"] = enabled }), token);
            await notifications.LockboxSwitchedAsync(db, t, user.Name, token);
            return t;
        }, ct);
        events.Publish(new TenantSettingsChanged(tenant.Id));
        return ToDto(tenant);
    }

    public async Task<LockboxSettingsDto> SetAlternateEmailsAsync(IReadOnlyList<string> emails, Guid expectedVersion, CancellationToken ct = default)
    {
        var user = currentUser.RequireGlobalAdministrator();
        var cleaned = (emails ?? []).Select(e => (e ?? "").Trim()).Where(e => e.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var invalid = cleaned.Where(e => !EmailAddresses.IsValid(e)).ToList();
        if (invalid.Count > 0)
            throw new InputValidationException("AlternateEmails",
                $"Not a valid email address: {string.Join(", ", invalid.Select(e => LogText.Neutralise(e, 80)))}. Use the form name@example.com.");
        if (cleaned.Count > MaxAlternateEmails)
            throw new InputValidationException("AlternateEmails", $"List at most {MaxAlternateEmails} alternate addresses.");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tenant = await db.InTransactionAsync(async token =>
        {
            var t = await LoadForEditAsync(db, user, expectedVersion, token);
            t.AlternateNotificationEmails = string.Join(';', cleaned);
            t.Version = Guid.NewGuid();
            await audit.AppendAsync(db, new AuditRecord(AuditActions.NotificationSettingsChanged, $"tenant/{t.Id}", user.Name, user.Oid, t.Id,
                new Dictionary<string, object?> { ["alternateEmails"] = cleaned }), token);
            return t;
        }, ct);
        events.Publish(new TenantSettingsChanged(tenant.Id));
        return ToDto(tenant);
    }

    private static async Task<Domain.Tenants.Tenant> LoadForEditAsync(ILockboxDbContext db, PortalUser user, Guid expectedVersion, CancellationToken ct)
    {
        var t = await db.Tenants.SingleOrDefaultAsync(x => x.Id == user.TenantId, ct)
            ?? throw new NotFoundException("Your tenant is not registered yet; sign out and in again.");
        if (t.Version != expectedVersion)
            throw new ConflictException(
                $"These settings were changed by {t.LockboxChangedByName ?? "someone else"} since you opened them; reload to see the current values.");
        return t;
    }

    private static LockboxSettingsDto ToDto(Domain.Tenants.Tenant t) =>
        new(t.Id, t.DisplayName, t.LockboxEnabled, t.LockboxChangedByName, t.LockboxChangedAt, t.AlternateEmails, t.Version);
}
