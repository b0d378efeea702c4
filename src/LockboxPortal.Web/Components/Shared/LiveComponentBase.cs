using LockboxPortal.Application.Notifications;
using Microsoft.AspNetCore.Components;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>
/// A page that refreshes when a committed change concerns it: subscribes to the in-process notifier on
/// first render (only interactive circuits subscribe) and unsubscribes on dispose.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    [Inject] private IPortalEvents Events { get; set; } = default!;

    private IDisposable? _requests;
    private IDisposable? _tenants;

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        _requests = Events.Subscribe(async change =>
        {
            if (IsRelevant(change)) await InvokeAsync(async () => { await OnRequestChangedAsync(change); StateHasChanged(); });
        });
        _tenants = Events.Subscribe(async change => await InvokeAsync(async () => { await OnTenantChangedAsync(change); StateHasChanged(); }));
    }

    protected virtual bool IsRelevant(AccessRequestChanged change) => true;

    protected virtual Task OnRequestChangedAsync(AccessRequestChanged change) => Task.CompletedTask;

    protected virtual Task OnTenantChangedAsync(TenantSettingsChanged change) => Task.CompletedTask;

    public virtual void Dispose()
    {
        _requests?.Dispose();
        _tenants?.Dispose();
        GC.SuppressFinalize(this);
    }
}
