using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Security;

/// <summary>
/// A circuit can stay open for hours on the principal it was opened with. This re-checks that principal every
/// <see cref="PortalSecurityOptions.RevalidationInterval"/> (a removed role or user, an ended session) and at
/// once when its session is signed out; when the check fails the circuit's user becomes anonymous, its
/// <c>CurrentUser</c> follows, and every service call from then on is refused.
/// </summary>
public sealed class RevalidatingPortalAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptionsMonitor<PortalSecurityOptions> _options;
    private readonly SessionRevocations _revocations;
    private readonly ILogger _logger;
    private string? _sessionId;

    public RevalidatingPortalAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopes,
        IOptionsMonitor<PortalSecurityOptions> options,
        SessionRevocations revocations) : base(loggerFactory)
    {
        _scopes = scopes;
        _options = options;
        _revocations = revocations;
        _logger = loggerFactory.CreateLogger<RevalidatingPortalAuthenticationStateProvider>();
        AuthenticationStateChanged += OnChanged;
        _revocations.Ended += OnSessionEnded;
    }

    protected override TimeSpan RevalidationInterval => _options.CurrentValue.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var validator = scope.ServiceProvider.GetRequiredService<PrincipalValidator>();
        var valid = await validator.IsStillValidAsync(authenticationState.User, useCache: false, cancellationToken);
        if (!valid) _logger.LogInformation("A circuit's sign-in is no longer valid (role or user removed, or signed out); it continues anonymous");
        return valid;
    }

    private void OnChanged(Task<AuthenticationState> state) => _ = TrackAsync(state);

    private async Task TrackAsync(Task<AuthenticationState> state)
    {
        try { _sessionId = (await state).User.SessionIdOf(); }
        catch (Exception) { _sessionId = null; }
    }

    private void OnSessionEnded(string sessionId)
    {
        if (sessionId != _sessionId) return;
        _logger.LogInformation("A circuit's session was signed out; it continues anonymous");
        _sessionId = null;
        SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
    }

    protected override void Dispose(bool disposing)
    {
        _revocations.Ended -= OnSessionEnded;
        AuthenticationStateChanged -= OnChanged;
        base.Dispose(disposing);
    }
}
