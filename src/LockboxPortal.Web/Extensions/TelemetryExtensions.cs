using Azure.Monitor.OpenTelemetry.AspNetCore;
using LockboxPortal.Application.Telemetry;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Telemetry;
using Microsoft.AspNetCore.Components.Server.Circuits;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog.Core;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// OpenTelemetry traces, metrics and logs. Off unless an exporter is configured: <c>OpenTelemetry:OtlpEndpoint</c>
/// (a collector, Grpc or HttpProtobuf) and/or <c>AzureMonitor:ConnectionString</c> (Application Insights), so the
/// embedded default pays nothing for telemetry nobody collects.
/// </summary>
public static class TelemetryExtensions
{
    public const string ServiceName = "LockboxPortal";

    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        // Counted whether or not anything exports: an instrument with no listener costs a field read.
        builder.Services.AddScoped<CircuitHandler, CircuitMetricsHandler>();

        var configuration = builder.Configuration;
        var otlp = OtlpEndpoint(configuration);
        var protocol = OtlpProtocol(configuration);
        var azureMonitor = configuration["AzureMonitor:ConnectionString"];
        if (otlp is null && string.IsNullOrWhiteSpace(azureMonitor)) return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: typeof(TelemetryExtensions).Assembly.GetName().Version?.ToString()))
            .WithTracing(t => t
                // Load balancer probes hit the health endpoints every few seconds; their spans would drown the rest.
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation())
            .WithMetrics(m => m
                .AddMeter(PortalMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("Microsoft.AspNetCore.Components", "Microsoft.AspNetCore.Components.Server.Circuits"))
            .WithLogging(_ => { }, o => o.IncludeFormattedMessage = true);

        if (otlp is not null) telemetry.UseOtlpExporter(protocol, otlp);
        if (!string.IsNullOrWhiteSpace(azureMonitor)) telemetry.UseAzureMonitor(o => o.ConnectionString = azureMonitor);

        // Serilog owns the logging pipeline (console, files); this sink hands each event to OpenTelemetry as well.
        builder.Services.AddSingleton<ILogEventSink, OpenTelemetryLogSink>();
        return builder;
    }

    private static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var value = configuration["OpenTelemetry:OtlpEndpoint"];
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            return uri;
        throw new PortalStartupException(
            $"OpenTelemetry:OtlpEndpoint must be an absolute http(s) URL of an OTLP collector, e.g. http://otel-collector:4317, not '{value}'.");
    }

    private static OtlpExportProtocol OtlpProtocol(IConfiguration configuration)
    {
        var value = configuration["OpenTelemetry:OtlpProtocol"];
        if (string.IsNullOrWhiteSpace(value)) return OtlpExportProtocol.Grpc;
        return Enum.TryParse<OtlpExportProtocol>(value.Trim(), ignoreCase: true, out var protocol) && Enum.IsDefined(protocol)
            ? protocol
            : throw new PortalStartupException($"OpenTelemetry:OtlpProtocol must be 'Grpc' or 'HttpProtobuf', not '{value}'.");
    }
}
