using System.Collections.Concurrent;
using LockboxPortal.Application.Security;
using LockboxPortal.Web.Extensions;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.SignalR;
using MudBlazor;

namespace LockboxPortal.Web.Security;

/// <summary>
/// How much text one field may send in a circuit event: the hub's receive limit less room for the event's envelope
/// (ids, descriptors, JSON around the value). The server renders it into the page for wwwroot/js/message-guard.js,
/// which stops a larger input before it reaches the circuit.
/// </summary>
public static class CircuitMessageLimits
{
    public const long EnvelopeMargin = 2 * 1024;
    public const long FieldBytes = LimitsExtensions.MaxHubMessageBytes - EnvelopeMargin;
    public const string MetaName = "lockbox-field-limit";
}

/// <summary>
/// A circuit message over <see cref="LimitsExtensions.MaxHubMessageBytes"/> (text typed or pasted past a field's
/// maxlength) makes SignalR close the connection: before, nothing was logged and the user saw only the reconnect
/// banner. The hub filter logs it and leaves a notice for the browser's session; when the browser reconnects its
/// circuit, <see cref="OversizedMessageCircuitHandler"/> tells the user what happened.
/// </summary>
public sealed class OversizedMessageNotices
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pending = new();

    public void Add(string session, DateTimeOffset at)
    {
        // Bounded: a notice nobody collects (the browser closed) is dropped after a few minutes.
        foreach (var stale in _pending.Where(p => at - p.Value > TimeSpan.FromMinutes(5)).Select(p => p.Key).ToList())
            _pending.TryRemove(stale, out _);
        _pending[session] = at;
        Added(session);
    }

    public bool TryTake(string session) => _pending.TryRemove(session, out _);

    private readonly ConcurrentDictionary<object, (string Session, Action Deliver)> _waiting = new();

    /// <summary>
    /// Calls <paramref name="deliver"/> when a notice for <paramref name="session"/> is added, until the returned handle
    /// is disposed: a browser can reconnect its circuit before the server has finished closing the connection that
    /// carried the oversized message, and so before the notice exists.
    /// </summary>
    public IDisposable WhenAdded(string session, Action deliver)
    {
        var handle = new Waiting(this);
        _waiting[handle] = (session, deliver);
        return handle;
    }

    private void Added(string session)
    {
        foreach (var (handle, waiting) in _waiting)
            if (waiting.Session == session && _waiting.TryRemove(handle, out _)) waiting.Deliver();
    }

    private sealed class Waiting(OversizedMessageNotices owner) : IDisposable
    {
        public void Dispose() => owner._waiting.TryRemove(this, out _);
    }

    /// <summary>What ties the hub connection to its circuit: the sign-in session, else the user.</summary>
    public static string? SessionKey(System.Security.Claims.ClaimsPrincipal? user) =>
        user.SessionIdOf() ?? user?.FindFirst(PortalClaimTypes.ObjectId)?.Value;

    public static bool IsOversized(Exception? exception) =>
        exception is InvalidDataException && exception.Message.Contains("maximum message size", StringComparison.OrdinalIgnoreCase);
}

internal sealed class OversizedMessageHubFilter(OversizedMessageNotices notices, TimeProvider time, ILogger<OversizedMessageHubFilter> logger) : IHubFilter
{
    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (OversizedMessageNotices.IsOversized(exception))
        {
            var user = context.Context.User;
            logger.LogWarning(
                "Closed a circuit connection of {UserId} (tenant {TenantId}): the browser sent a message over {Limit} bytes, e.g. a field filled past its maximum length",
                user?.FindFirst(PortalClaimTypes.ObjectId)?.Value, user?.FindFirst(PortalClaimTypes.TenantId)?.Value, LimitsExtensions.MaxHubMessageBytes);
            if (OversizedMessageNotices.SessionKey(user) is { } key) notices.Add(key, time.GetUtcNow());
        }
        return next(context, exception);
    }
}

/// <summary>On the circuit's reconnect after such a close: a message the user can act on, instead of silence.</summary>
/// <remarks>
/// The snackbar is resolved only when there is something to say: it needs the circuit's navigation manager, which
/// does not exist yet when circuit handlers are built.
/// </remarks>
public sealed class OversizedMessageCircuitHandler(OversizedMessageNotices notices, AuthenticationStateProvider authState, IServiceProvider services)
    : CircuitHandler
{
    public const string Message =
        "Your last change was not sent: it was larger than the portal accepts (about 32 KB of text). Shorten the text and try again.";

    private bool _connectedBefore;
    private IDisposable? _waiting;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var reconnect = _connectedBefore;
        _connectedBefore = true;
        var user = (await authState.GetAuthenticationStateAsync()).User;
        if (OversizedMessageNotices.SessionKey(user) is not { } key) return;
        if (notices.TryTake(key))
        {
            Tell();
            return;
        }
        if (!reconnect) return;
        // The close that made the browser reconnect may still be in progress on the server: take its notice when it
        // comes, while this connection is up.
        _waiting?.Dispose();
        _waiting = notices.WhenAdded(key, () =>
        {
            if (notices.TryTake(key)) Tell();
        });
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _waiting?.Dispose();
        _waiting = null;
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken) =>
        OnConnectionDownAsync(circuit, cancellationToken);

    // The snackbar service is safe to call from any thread; its provider renders on the circuit's own.
    private void Tell() => services.GetRequiredService<ISnackbar>().Add(Message, Severity.Error, o => o.RequireInteraction = true);
}
