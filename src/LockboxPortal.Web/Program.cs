using LockboxPortal.Application;
using LockboxPortal.Infrastructure;
using LockboxPortal.Web.Cli;
using LockboxPortal.Web.Extensions;
using LockboxPortal.Web.Security;
using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    if (await PortalCommandLine.TryRunAsync(args) is { } exitCode) return exitCode;

    var builder = WebApplication.CreateBuilder(args);
    var root = builder.AddPortalSettingsFile();
    builder.AddPortalLogging(root);
    builder.AddPortalTelemetry();
    builder.Services
        .AddApplication(builder.Configuration)
        .AddInfrastructure(builder.Configuration, root)
        .AddPortalAuthentication(builder.Configuration, builder.Environment)
        .AddPortalGrants(builder.Configuration, builder.Environment)
        .AddPortalRateLimiting(builder.Configuration)
        .AddPortalLimits(builder.Configuration)
        .AddPortalUi()
        .AddPortalScaleOut(builder.Configuration)
        .AddListeningAddressAsPublicBaseUrl(builder.Environment);

    var app = builder.Build();
    await app.PreparePortalAsync();
    app.UsePortal();
    app.RefreshPublicBaseUrlWhenListening();
    await app.RunPortalAsync();
    return 0;
}
catch (PortalStartupException ex)
{
    Log.Fatal("Lockbox Portal cannot start: {Reason}", ex.Message);
    return 2;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "Lockbox Portal stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

public partial class Program;
