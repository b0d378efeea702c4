using LockboxPortal.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LockboxPortal.Web.Tests.Support;

/// <summary>
/// The whole portal in-process: Development sign-in, demo data, its own SQLite file (a copy of the migrated template). Extra settings
/// (e.g. Authentication:Mode or another environment) can be given per instance.
/// </summary>
public class PortalWebFactory(IDictionary<string, string?>? settings = null, string environment = "Development") : WebApplicationFactory<Program>
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "lockbox-web", Guid.NewGuid().ToString("N"));
    public string DatabasePath => Path.Combine(Directory, "lockbox.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        System.IO.Directory.CreateDirectory(Directory);
        // The host's start-up migrates on start; from a copy of the migrated template it has nothing to apply.
        if (!File.Exists(DatabasePath)) TemplateDatabase.CopyTo(DatabasePath);
        builder.UseEnvironment(environment);
        builder.UseSetting("Authentication:Mode", "Development");
        builder.UseSetting("ConnectionStrings:Lockbox", $"Data Source={DatabasePath}");
        builder.UseSetting("Demo:SeedData", "true");
        builder.UseSetting("Portal:PublicBaseUrl", "http://localhost");
        builder.UseSetting("Email:PickupDirectory", Path.Combine(Directory, "mail"));
        builder.UseSetting("Audit:Anchors:Folder", Path.Combine(Directory, "audit-digests"));
        // Every test client signs in from the same (absent) address; the sign-in limit has its own tests.
        builder.UseSetting("RateLimits:SignIn:PermitLimit", "100000");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// Test classes that start a whole portal host run one after another: Program.cs installs Serilog's static
/// bootstrap logger, which two hosts building at the same moment would both try to freeze.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PortalHosts
{
    public const string Name = "Portal hosts";
}
