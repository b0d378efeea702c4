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

    /// <summary>Whether circuits go through Azure SignalR Service (then the browser must negotiate: js/start.js).</summary>
    public static bool UsesAzureSignalR(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[AzureSignalRConnectionString]);

    public static IServiceCollection AddPortalScaleOut(this IServiceCollection services, IConfiguration configuration)
    {
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
