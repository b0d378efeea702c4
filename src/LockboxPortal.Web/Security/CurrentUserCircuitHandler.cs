using LockboxPortal.Application.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Serilog.Context;

namespace LockboxPortal.Web.Security;

/// <summary>
/// Keeps the circuit's <see cref="CurrentUser"/> in step with its authentication state, and stamps every
/// inbound circuit activity's log events with the user and tenant.
/// </summary>
internal sealed class CurrentUserCircuitHandler(AuthenticationStateProvider authState, CurrentUser currentUser)
    : CircuitHandler, IDisposable
{
    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        authState.AuthenticationStateChanged += OnChanged;
        currentUser.Set((await authState.GetAuthenticationStateAsync()).User);
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            var user = currentUser.User;
            using (LogContext.PushProperty("UserId", user?.Oid))
            using (LogContext.PushProperty("TenantId", user?.TenantId))
            {
                await next(context);
            }
        };

    private void OnChanged(Task<AuthenticationState> task) =>
        _ = UpdateAsync(task);

    private async Task UpdateAsync(Task<AuthenticationState> task) => currentUser.Set((await task).User);

    public void Dispose() => authState.AuthenticationStateChanged -= OnChanged;
}
