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
/// <remarks>
/// The loop is ASP.NET Core's <c>RevalidatingServerAuthenticationStateProvider</c> with its wait on the
/// portal's <see cref="TimeProvider"/> instead of the wall clock, so the interval runs on the same clock as every
/// other time rule (and tests advance it instead of sleeping).
/// </remarks>
public sealed class RevalidatingPortalAuthenticationStateProvider : ServerAuthenticationStateProvider, IDisposable
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptionsMonitor<PortalSecurityOptions> _options;
    private readonly SessionRevocations _revocations;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CancellationTokenSource? _loop;
    private string? _sessionId;

    public RevalidatingPortalAuthenticationStateProvider(
        ILoggerFactory loggerFactory,
        IServiceScopeFactory scopes,
        IOptionsMonitor<PortalSecurityOptions> options,
        SessionRevocations revocations,
        TimeProvider time)
    {
        _scopes = scopes;
        _options = options;
        _revocations = revocations;
        _time = time;
        _logger = loggerFactory.CreateLogger<RevalidatingPortalAuthenticationStateProvider>();
        AuthenticationStateChanged += OnChanged;
        _revocations.Ended += OnSessionEnded;
    }

    private async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var validator = scope.ServiceProvider.GetRequiredService<PrincipalValidator>();
        var valid = await validator.IsStillValidAsync(authenticationState.User, useCache: false, cancellationToken);
        if (!valid) _logger.LogInformation("A circuit's sign-in is no longer valid (role or user removed, or signed out); it continues anonymous");
        return valid;
    }

    private void OnChanged(Task<AuthenticationState> state)
    {
        // Each new state gets its own loop; the previous state's loop ends.
        var loop = new CancellationTokenSource();
        Interlocked.Exchange(ref _loop, loop)?.Cancel();
        _ = RevalidateAsync(state, loop.Token);
        _ = TrackAsync(state);
    }

    private async Task RevalidateAsync(Task<AuthenticationState> state, CancellationToken ct)
    {
        try
        {
            var authenticationState = await state;
            if (authenticationState.User.Identity?.IsAuthenticated != true) return;
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(_options.CurrentValue.RevalidationInterval, _time, ct);
                if (!await ValidateAuthenticationStateAsync(authenticationState, ct))
                {
                    ContinueAnonymous();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A check that cannot be made is not a pass.
            _logger.LogError(ex, "Revalidating a circuit's sign-in failed; it continues anonymous");
            ContinueAnonymous();
        }
    }

    private void ContinueAnonymous() =>
        SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));

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
        ContinueAnonymous();
    }

    public void Dispose()
    {
        _revocations.Ended -= OnSessionEnded;
        AuthenticationStateChanged -= OnChanged;
        Interlocked.Exchange(ref _loop, null)?.Cancel();
    }
}
