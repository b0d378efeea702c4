namespace LockboxPortal.Application.Notifications;

/// <summary>Something changed that open pages may want to show without a reload.</summary>
public sealed record AccessRequestChanged(Guid RequestId, Guid TenantId, Guid EngineerOid, string Status);

public sealed record TenantSettingsChanged(Guid TenantId);

/// <summary>
/// In-process fan-out of committed changes to subscribed circuits. Published only after commit;
/// subscribers must unsubscribe when disposed.
/// </summary>
public interface IPortalEvents
{
    void Publish(AccessRequestChanged change);
    void Publish(TenantSettingsChanged change);
    IDisposable Subscribe(Func<AccessRequestChanged, Task> onRequestChanged);
    IDisposable Subscribe(Func<TenantSettingsChanged, Task> onTenantChanged);
}
