using LockboxPortal.Application.Common;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Application.Users;

/// <summary>
/// A customer's own email preferences, stored on their profile. Each user reads and changes only their own: the
/// service names the profile it changes and refuses any but the caller's, whatever a page passes it.
/// </summary>
public sealed class UserPreferencesService(ILockboxDbContextFactory dbFactory, ICurrentUser currentUser)
{
    /// <summary>Whether the caller is emailed about access requests on tickets they opened (on until turned off).</summary>
    public async Task<bool> GetOpenerNotificationsAsync(CancellationToken ct = default)
    {
        var user = currentUser.RequireCustomer();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.UserProfiles.AsNoTracking().Where(p => p.Oid == user.Oid && p.TenantId == user.TenantId)
            .Select(p => (bool?)p.OpenerNotifications).SingleOrDefaultAsync(ct) ?? true;
    }

    /// <summary>Turns the opener emails of <paramref name="userOid"/> on or off; only that user may.</summary>
    public async Task SetOpenerNotificationsAsync(Guid userOid, bool enabled, CancellationToken ct = default)
    {
        var user = currentUser.RequireCustomer();
        if (userOid != user.Oid) throw currentUser.Refuse("You can change only your own email preferences.");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.UserProfiles.Where(p => p.Oid == user.Oid && p.TenantId == user.TenantId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.OpenerNotifications, enabled), ct);
        // The profile is written at sign-in; a session without one was never recorded by this portal's database.
        if (changed == 0) throw new NotFoundException("Your profile is not recorded yet: sign out and sign in again, then change the setting.");
    }
}
