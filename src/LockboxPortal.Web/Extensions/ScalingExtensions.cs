using System.Text;
using Microsoft.Azure.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// Running several instances: circuits through Azure SignalR Service when <c>Azure:SignalR:ConnectionString</c>
/// is set (the other shared state — Redis, the key ring — is wired by the infrastructure). Without it each
/// instance serves its own circuits, which then need sticky sessions at the load balancer (README).
/// </summary>
public static class ScalingExtensions
{
    public const string AzureSignalRConnectionString = "Azure:SignalR:ConnectionString";

    public const string NegotiateCircuitConnection = "Circuits:Negotiate";

    /// <summary>Whether circuits go through Azure SignalR Service.</summary>
    public static bool UsesAzureSignalR(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[AzureSignalRConnectionString]);

    /// <summary>
    /// Whether a page negotiates its circuit's connection before opening it (js/start.js). Through Azure SignalR Service it
    /// must: the service answers with its own address. Otherwise only when <c>Circuits:Negotiate</c> is true, for networks
    /// whose proxies block WebSockets (the negotiate lets SignalR fall back to long polling); by default the circuit
    /// connects straight over a WebSocket, a round trip sooner (docs/performance.md).
    /// </summary>
    public static bool NegotiatesCircuitConnection(IConfiguration configuration) =>
        UsesAzureSignalR(configuration) || bool.TryParse(configuration[NegotiateCircuitConnection], out var negotiate) && negotiate;

    public static IServiceCollection AddPortalScaleOut(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[NegotiateCircuitConnection] is { } value && !bool.TryParse(value, out _))
            throw new InvalidOperationException($"{NegotiateCircuitConnection} must be true or false (it is \"{value}\").");
        if (!UsesAzureSignalR(configuration)) return services;
        var connectionString = configuration[AzureSignalRConnectionString]!;
        if (!connectionString.Contains("Endpoint=", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                $"{AzureSignalRConnectionString} must be an Azure SignalR Service connection string (\"Endpoint=https://<name>.service.signalr.net;AccessKey=...;Version=1.0;\", " +
                "or with AuthType=azure.msi for a managed identity). Leave it empty to serve circuits from each instance with sticky sessions.");
        services.AddSignalR().AddAzureSignalR(o =>
        {
            o.ConnectionString = connectionString;
            // A Blazor circuit lives on the instance that rendered the page: the service must send the
            // circuit's connection back to that same server.
            o.ServerStickyMode = ServerStickyMode.Required;
        });
        return services;
    }

    /// <summary>
    /// The readiness body: the overall status alone when all is healthy (what probes read), and one line per
    /// check that is not, saying what is degraded (e.g. Redis down: live updates reach only this instance).
    /// </summary>
    public static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).OrderBy(e => e.Key, StringComparer.Ordinal))
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(" - ").Append(entry.Description ?? "no detail");
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }
}
