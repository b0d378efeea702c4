using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// Sizes and lifetimes chosen on purpose (the Blazor threat-mitigation guidance): what one client may hold
/// on the server, and how large anything it sends may be. Each value can be tuned under <c>Limits</c>.
/// </summary>
public static class LimitsExtensions
{
    /// <summary>The portal's forms are a few short fields; nothing legitimate posts more.</summary>
    public const long MaxRequestBodyBytes = 256 * 1024;
    public const int MaxFormValueLength = 16 * 1024;

    /// <summary>The hub message size: a render acknowledgement or an event with a form field's text.</summary>
    public const long MaxHubMessageBytes = 32 * 1024;

    public static IServiceCollection AddPortalLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CircuitOptions>()
            .Configure<IHostEnvironment>((o, environment) =>
            {
                // Exception details reach the browser only on a developer's machine.
                o.DetailedErrors = environment.IsDevelopment();
                // A circuit whose browser dropped is kept for a reconnect; cap how many and for how long,
                // each holds its components' state in server memory.
                o.DisconnectedCircuitMaxRetained = 100;
                o.DisconnectedCircuitRetentionPeriod = TimeSpan.FromMinutes(3);
                // MudBlazor's interop calls are quick; a browser that does not answer in 30 s is gone.
                o.JSInteropDefaultCallTimeout = TimeSpan.FromSeconds(30);
                // A client that stops acknowledging renders stops getting new ones instead of growing a queue.
                o.MaxBufferedUnacknowledgedRenderBatches = 10;
            })
            .Bind(configuration.GetSection("Limits:Circuits"));

        services.Configure<KestrelServerOptions>(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = configuration.GetValue("Limits:MaxRequestBodyBytes", MaxRequestBodyBytes);
            o.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            o.Limits.MaxRequestLineSize = 8 * 1024;
            o.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        services.Configure<FormOptions>(o =>
        {
            o.ValueLengthLimit = MaxFormValueLength;
            o.KeyLengthLimit = 256;
            o.ValueCountLimit = 64;
            o.MultipartBodyLengthLimit = MaxRequestBodyBytes;
            o.MultipartHeadersLengthLimit = 16 * 1024;
        });
        return services;
    }
}
