using System.Globalization;
using System.Text.RegularExpressions;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Web.Components;
using LockboxPortal.Web.Components.Layout;
using LockboxPortal.Web.Endpoints;
using LockboxPortal.Web.Integrations;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using MudBlazor.Services;

namespace LockboxPortal.Web.Extensions;

public static partial class WebExtensions
{
    public static IServiceCollection AddPortalUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents().AddHubOptions(o =>
        {
            o.MaximumReceiveMessageSize = LimitsExtensions.MaxHubMessageBytes;
            // One event at a time per circuit: the renderer is single-threaded anyway, and this stops a client
            // from queueing thousands of invocations.
            o.MaximumParallelInvocationsPerClient = 1;
            o.HandshakeTimeout = TimeSpan.FromSeconds(15);
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
            o.KeepAliveInterval = TimeSpan.FromSeconds(15);
            Microsoft.AspNetCore.SignalR.HubOptionsExtensions.AddFilter<OversizedMessageHubFilter>(o);
        });
        services.AddSingleton<ThemeStylesheet>();
        services.AddSingleton<LockboxPortal.Web.Components.Shared.SharedLiveLoads>();
        services.AddOptions<LockboxPortal.Web.Components.Shared.LiveUpdateOptions>()
            .BindConfiguration(LockboxPortal.Web.Components.Shared.LiveUpdateOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OversizedMessageNotices>();
        services.AddSingleton<OversizedMessageHubFilter>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, OversizedMessageCircuitHandler>();
        services.AddBadRequestProblems();
        services.AddTransient<LockboxPortal.Web.Components.Shared.UiAction>();
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 6000;
            // The duplicate-provider check asks the browser to count providers when every circuit starts (an interop
            // round trip each); the one provider is MainLayout's, and a test checks that a page renders exactly one.
            o.PopoverOptions.ThrowOnDuplicateProvider = false;
        });
        return services;
    }

    /// <summary>Migrates the database and, when configured, seeds the demo before the portal takes requests.</summary>
    public static async Task PreparePortalAsync(this WebApplication app)
    {
        await app.Services.InitializeDatabaseAsync();
        if (app.Configuration.GetValue<bool>("Demo:SeedData"))
            await app.Services.SeedDemoDataAsync();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var urls = string.Join(", ", app.Urls);
            app.Logger.LogInformation("Lockbox Portal is running at {Urls} (database {Provider})", urls,
                app.Configuration["Database:Provider"] ?? "Sqlite");
        });
    }

    /// <summary>
    /// Runs the portal. An address already in use is an operator's everyday mistake (a second copy, another dev
    /// server): it becomes one line naming the port and how to choose another, not a stack trace.
    /// </summary>
    public static async Task RunPortalAsync(this WebApplication app)
    {
        try
        {
            await app.RunAsync();
        }
        catch (IOException ex) when (IsAddressInUse(ex))
        {
            var address = BoundAddress().Match(ex.Message) is { Success: true } m ? m.Groups[1].Value : string.Join(", ", app.Urls);
            var port = Uri.TryCreate(address.Replace("://*", "://localhost").Replace("://+", "://localhost"), UriKind.Absolute, out var uri)
                ? uri.Port.ToString(CultureInfo.InvariantCulture) : address;
            throw new PortalStartupException(
                $"port {port} is already in use ({address}). Stop the program using it, or choose another port: " +
                $"dotnet run --project src/LockboxPortal.Web --urls http://localhost:{(uri is null ? 5081 : uri.Port + 1)} (or set ASPNETCORE_URLS).");
        }
    }

    /// <summary>Kestrel's bind failure, whichever layer wraps it.</summary>
    public static bool IsAddressInUse(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is Microsoft.AspNetCore.Connections.AddressInUseException) return true;
        return false;
    }

    [GeneratedRegex(@"Failed to bind to address (\S+?):? address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BoundAddress();

    public static WebApplication UsePortal(this WebApplication app)
    {
        app.UsePortalSecurityHeaders(app.Configuration);
        app.UseThemeClientHint();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseApiStatusCodes();
        app.UsePortalRequestLogging();
        app.UseBadRequestProblems();
        app.UseHubOriginCheck();
        app.UseUnauthenticatedApiLimit();
        app.UseAuthentication();
        app.UseCurrentUser();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapThemeStylesheet();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = ScalingExtensions.WriteReadinessAsync }).AllowAnonymous();
        app.MapAccountEndpoints(app.Configuration);
        app.MapPortalGrants();
        app.MapAuditEndpoints();
        app.MapAuditEventEndpoints();
        app.MapAccessEventEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
