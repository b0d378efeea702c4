using LockboxPortal.Application.Telemetry;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace LockboxPortal.Web.Telemetry;

/// <summary>Keeps <c>lockbox.circuits.open</c>: one up when a circuit opens, one down when it closes.</summary>
internal sealed class CircuitMetricsHandler(PortalMetrics metrics) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitOpened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitClosed();
        return Task.CompletedTask;
    }
}
