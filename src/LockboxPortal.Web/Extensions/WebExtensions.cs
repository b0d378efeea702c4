using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Web.Components;
using LockboxPortal.Web.Endpoints;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using MudBlazor.Services;

namespace LockboxPortal.Web.Extensions;

public static class WebExtensions
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
        });
        services.AddBadRequestProblems();
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 6000;
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

    public static WebApplication UsePortal(this WebApplication app)
    {
        app.UsePortalSecurityHeaders(app.Configuration);
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
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapAccountEndpoints(app.Configuration);
        app.MapPortalTrust();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
