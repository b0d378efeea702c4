using Serilog;
using Serilog.Events;

namespace LockboxPortal.Web.Extensions;

public static class LoggingExtensions
{
    /// <summary>Serilog to the console and a daily rolling file under data/logs; levels from the Serilog section.</summary>
    public static WebApplicationBuilder AddPortalLogging(this WebApplicationBuilder builder, string root)
    {
        var logDirectory = Path.Combine(root, "data", "logs");
        builder.Services.AddSerilog((services, cfg) => cfg
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            .Enrich.With<NeutraliseControlCharactersEnricher>()
            // A busy port is reported in one line by Program (RunPortalAsync); the host's own stack trace of it is noise.
            .Filter.ByExcluding(e => WebExtensions.IsAddressInUse(e.Exception))
            // Work cancelled because the portal is stopping (a transaction a background worker had open when a
            // failed start or a shutdown cancelled it) is not a fault: nothing was committed, and it runs again.
            .Filter.ByExcluding(e => IsCancelledByShutdown(e, services))
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {UserId}{TenantId}{NewLine}{Exception}")
            .WriteTo.File(Path.Combine(logDirectory, "lockbox-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14,
                fileSizeLimitBytes: 50 * 1024 * 1024,
                rollOnFileSizeLimit: true,
                outputTemplate: "{Timestamp:o} [{Level:u3}] {SourceContext} user={UserId} tenant={TenantId} {Message:lj}{NewLine}{Exception}"),
            // Leave the static bootstrap logger alone: freezing it can happen once per process, and tests
            // start several portals in one process ("The logger is already frozen").
            preserveStaticLogger: true);
        return builder;
    }

    private static bool IsCancelledByShutdown(LogEvent e, IServiceProvider services)
    {
        if (services.GetService<IHostApplicationLifetime>() is not { ApplicationStopping.IsCancellationRequested: true }) return false;
        // EF reports the rollback of a cancelled transaction as an error without the exception that cancelled it.
        if (e.Properties.TryGetValue("SourceContext", out var source)
            && source is ScalarValue { Value: "Microsoft.EntityFrameworkCore.Database.Transaction" }) return true;
        for (var ex = e.Exception; ex is not null; ex = ex.InnerException)
            if (ex is OperationCanceledException) return true;
        return false;
    }

    /// <summary>One line per request, with the caller's user and tenant (never query strings or cookies).</summary>
    public static IApplicationBuilder UsePortalRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetLevel = (ctx, _, ex) => ex is not null || ctx.Response.StatusCode >= 500 ? LogEventLevel.Error
                : ctx.Request.Path.StartsWithSegments("/_blazor") || ctx.Request.Path.StartsWithSegments("/_framework") ? LogEventLevel.Debug
                : LogEventLevel.Information;
        });
}
