namespace LockboxPortal.FaultDrill;

/// <summary>
/// Runs the portal exactly as <c>dotnet LockboxPortal.Web.dll</c> would — its own Program.cs, settings file,
/// logging, composition, migrations and hosted services (outbox dispatcher on the pickup transport, audit
/// checkpointer, lifecycle sweep) — with one addition: <see cref="DrillHostingStartup"/> joins the host and
/// adds the approvers' <see cref="DecisionBurst"/>. Settings come on the command line, as a deployer's would.
/// </summary>
internal static class Drill
{
    public static int Main(string[] args)
    {
        // Hosting startup assemblies are read when the portal's builder is created, so this must come first.
        Environment.SetEnvironmentVariable("ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", typeof(Drill).Assembly.GetName().Name);

        var portal = typeof(Program).Assembly.EntryPoint
            ?? throw new InvalidOperationException("LockboxPortal.Web has no entry point.");
        // The portal finds its static asset manifest (and user secrets) by its own name, not the drill's.
        string[] portalArgs = [.. args, "--applicationName", "LockboxPortal.Web"];
        var exitCode = portal.Invoke(null, [portalArgs]) is int code ? code : 0;
        return exitCode != 0 ? exitCode : DecisionBurst.Errors > 0 ? 1 : 0;
    }
}
