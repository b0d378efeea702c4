using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace LockboxPortal.Web.Extensions;

public static class ConfigurationExtensions
{
    /// <summary>
    /// Loads the deployer's one <c>appsettings.json</c>: beside the published app, or at the repository root
    /// when running from source. It takes the place of the content root's appsettings.json, so environment
    /// files, environment variables and the command line still override it. Returns the folder it came from,
    /// the base for relative paths such as <c>data/</c>.
    /// </summary>
    public static string AddPortalSettingsFile(this WebApplicationBuilder builder)
    {
        var root = FindSettingsRoot(builder.Environment.ContentRootPath) ?? FindSettingsRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException(
                $"appsettings.json was not found beside the app or in a parent of {builder.Environment.ContentRootPath}.");

        var sources = builder.Configuration.Sources;
        var existing = sources.OfType<JsonConfigurationSource>().FirstOrDefault(s => s.Path == "appsettings.json");
        var index = existing is null ? 0 : sources.IndexOf(existing);
        if (existing is not null) sources.Remove(existing);
        sources.Insert(index, new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(root),
            Path = "appsettings.json",
            Optional = false,
            ReloadOnChange = true,
        });
        builder.Configuration.GetSection("Portal:Root").Value = root;
        return root;
    }

    private static string? FindSettingsRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "appsettings.json"))
                && (File.Exists(Path.Combine(dir.FullName, "LockboxPortal.sln")) || File.Exists(Path.Combine(dir.FullName, "LockboxPortal.Web.dll"))))
                return dir.FullName;
        }
        return null;
    }
}
