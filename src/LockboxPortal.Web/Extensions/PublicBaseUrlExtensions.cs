using LockboxPortal.Application.Notifications;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// In Development, when <c>Portal:PublicBaseUrl</c> is not set, email links use the address the portal listens on,
/// so they work with <c>--urls</c> or a port chosen by the launcher. Elsewhere the setting is required (validated at
/// start): behind a proxy only the operator knows the public address.
/// </summary>
public static class PublicBaseUrlExtensions
{
    public const string DevelopmentFallback = "http://localhost:5080";

    public static IServiceCollection AddListeningAddressAsPublicBaseUrl(this IServiceCollection services, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment()) return services;
        services.AddSingleton<IPostConfigureOptions<PortalOptions>, ListeningAddress>();
        return services;
    }

    /// <summary>
    /// Options are read before the server has bound its ports (validation at start), so the value is worked out
    /// again once it has: the cached options are dropped when the application has started.
    /// </summary>
    public static void RefreshPublicBaseUrlWhenListening(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()) return;
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Services.GetRequiredService<IOptionsMonitorCache<PortalOptions>>().TryRemove(Options.DefaultName));
    }

    /// <summary>The first address the server listens on (wildcard hosts read as localhost), else the configured URLs.</summary>
    public static string? ListeningBaseUrl(IEnumerable<string> addresses)
    {
        var first = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                    ?? addresses.FirstOrDefault(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (first is null) return null;
        var normalised = first.Replace("://*", "://localhost").Replace("://+", "://localhost")
            .Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost");
        return Uri.TryCreate(normalised, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
    }

    private sealed class ListeningAddress(IServer server, IConfiguration configuration) : IPostConfigureOptions<PortalOptions>
    {
        public void PostConfigure(string? name, PortalOptions options)
        {
            if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl)) return;
            var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var configured = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            options.PublicBaseUrl = ListeningBaseUrl(bound) ?? ListeningBaseUrl(configured) ?? DevelopmentFallback;
        }
    }
}
