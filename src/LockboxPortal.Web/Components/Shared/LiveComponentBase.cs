using LockboxPortal.Application.Notifications;
using Microsoft.AspNetCore.Components;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>
/// A page that refreshes when a committed change concerns what it shows. It subscribes to exactly one scope
/// (<see cref="LiveScope"/>: a tenant, an engineer, a request or a ticket), so the notifier never wakes it for
/// anything else. Subscribed after render, so only interactive circuits subscribe; subscribed again when the
/// scope changes with the parameters; unsubscribed on dispose.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    [Inject] private IPortalEvents Events { get; set; } = default!;

    private IDisposable? _subscription;
    private LiveScope? _subscribed;
    private bool _disposed;

    /// <summary>The requests this page shows; null while it does not know yet (then nothing wakes it).</summary>
    protected abstract LiveScope? RequestScope { get; }

    protected override void OnAfterRender(bool firstRender)
    {
        var scope = RequestScope;
        if (_disposed || scope == _subscribed) return;
        _subscription?.Dispose();
        _subscribed = scope;
        _subscription = scope is { } s
            ? Events.Subscribe<AccessRequestChanged>(s, async change => await InvokeAsync(async () =>
            {
                if (_disposed) return;
                await OnRequestChangedAsync(change);
                StateHasChanged();
            }))
            : null;
    }

    protected virtual Task OnRequestChangedAsync(AccessRequestChanged change) => Task.CompletedTask;

    public virtual void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
        GC.SuppressFinalize(this);
    }
}
