using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace LockboxPortal.Tests.Deployment;

/// <summary>
/// deploy/main.bicep compiled and linted by the real Bicep CLI (restored from NuGet with the solution), and the
/// ARM template it produces checked for what the portal needs to run as several instances.
/// </summary>
public sealed class BicepTemplateTests : IClassFixture<BicepTemplateTests.Compiled>
{
    private readonly Compiled _compiled;

    public BicepTemplateTests(Compiled compiled) => _compiled = compiled;

    /// <summary>Compiles the template once for the class: the CLI takes several seconds to start.</summary>
    public sealed class Compiled
    {
        public Compiled()
        {
            Template = Path.Combine(RepositoryRoot(), "deploy", "main.bicep");
            Build = Bicep.Run("build", Template, "--stdout");
            if (Build.ExitCode == 0) Arm = JsonNode.Parse(Build.Output)!.AsObject();
        }

        public string Template { get; }
        public BicepResult Build { get; }
        public JsonObject? Arm { get; }
    }

    [Fact]
    public void The_template_compiles_without_errors_or_warnings()
    {
        Assert.True(_compiled.Build.ExitCode == 0, _compiled.Build.Errors);
        Assert.Equal("", Diagnostics(_compiled.Build.Errors));
    }

    [Fact]
    public void The_template_passes_the_linter_with_no_warnings()
    {
        var lint = Bicep.Run("lint", _compiled.Template);
        Assert.Equal(0, lint.ExitCode);
        Assert.Equal("", Diagnostics(lint.Output + lint.Errors));
    }

    [Fact]
    public void A_linter_warning_fails_the_check()
    {
        // The check above is only worth something if the CLI reports warnings the way it is read there.
        var dir = Directory.CreateTempSubdirectory("lockbox-bicep-");
        try
        {
            var flawed = Path.Combine(dir.FullName, "flawed.bicep");
            File.WriteAllText(flawed, "param unused string\n");
            var lint = Bicep.Run("lint", flawed);
            Assert.Contains("no-unused-params", Diagnostics(lint.Output + lint.Errors));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_app_runs_on_at_least_two_instances_from_one_parameter()
    {
        var count = Arm["parameters"]!["instanceCount"]!;
        Assert.Equal(2, (int)count["defaultValue"]!);
        Assert.Equal(2, (int)count["minValue"]!);
        var plan = Single("Microsoft.Web/serverfarms");
        Assert.Equal("[parameters('instanceCount')]", (string?)plan["sku"]!["capacity"]);
        Assert.True((bool)plan["properties"]!["reserved"]!, "a Linux plan");
    }

    [Fact]
    public void Instances_are_probed_on_the_health_endpoints()
    {
        var site = Single("Microsoft.Web/sites");
        Assert.Equal("/health/ready", (string?)site["properties"]!["siteConfig"]!["healthCheckPath"]);
        Assert.Equal("/health/live", Setting("WEBSITE_WARMUP_PATH"));
        Assert.True((bool)site["properties"]!["siteConfig"]!["webSocketsEnabled"]!, "circuits need WebSockets");
        Assert.True((bool)site["properties"]!["httpsOnly"]!);
    }

    [Theory]
    [InlineData("Database__Provider", "SqlServer")]
    [InlineData("Authentication__Mode", "EntraId")]
    [InlineData("ASPNETCORE_ENVIRONMENT", "Production")]
    [InlineData("Email__Transport", "Smtp")]
    [InlineData("Audit__Anchors__Store", "AzureBlob")]
    public void Fixed_settings_have_their_production_values(string name, string value) => Assert.Equal(value, Setting(name));

    [Theory]
    [InlineData("ConnectionStrings__Lockbox", "Authentication=Active Directory Managed Identity")]
    [InlineData("Azure__SignalR__ConnectionString", "AuthType=azure.msi")]
    [InlineData("AzureAd__TenantId", "parameters('azureAdTenantId')")]
    [InlineData("AzureAd__ClientId", "parameters('azureAdClientId')")]
    [InlineData("Portal__PublicBaseUrl", "variables('baseUrl')")]
    [InlineData("Grants__Issuer", "variables('baseUrl')")]
    [InlineData("AzureMonitor__ConnectionString", "Microsoft.Insights/components")]
    [InlineData("OpenTelemetry__OtlpEndpoint", "parameters('otlpEndpoint')")]
    [InlineData("DataProtection__KeyVaultKeyId", "Microsoft.KeyVault/vaults/keys")]
    [InlineData("Audit__Anchors__BlobServiceUri", "primaryEndpoints.blob")]
    [InlineData("AZURE_CLIENT_ID", "Microsoft.ManagedIdentity/userAssignedIdentities")]
    public void Every_service_is_wired_into_the_app_settings(string name, string expression) =>
        Assert.Contains(expression, Setting(name));

    [Theory]
    [InlineData("AzureAd__ClientSecret")]
    [InlineData("Redis__Configuration")]
    [InlineData("Email__Smtp__Password")]
    public void Secrets_reach_the_app_only_as_Key_Vault_references(string name)
    {
        // The SMTP password may be left empty (a relay that does not authenticate); only that test may name it.
        var value = Setting(name).Replace("empty(parameters('smtpPassword'))", "", StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(", value);
        Assert.DoesNotContain("listKeys", value);
        Assert.DoesNotContain("parameters('azureAdClientSecret')", value);
        Assert.DoesNotContain("parameters('smtpPassword')", value);
    }

    [Fact]
    public void No_connection_string_carries_a_password_and_no_output_a_secret()
    {
        Assert.DoesNotContain("Password=", Setting("ConnectionStrings__Lockbox"), StringComparison.OrdinalIgnoreCase);
        foreach (var (name, output) in Arm["outputs"]!.AsObject())
        {
            var text = output!.ToJsonString();
            Assert.DoesNotContain("listKeys", text);
            Assert.DoesNotContain("ConnectionString", text);
            Assert.NotEqual("securestring", (string?)output["type"]);
        }
        Assert.Equal("securestring", (string?)Arm["parameters"]!["azureAdClientSecret"]!["type"]);
        Assert.Equal("securestring", (string?)Arm["parameters"]!["smtpPassword"]!["type"]);
    }

    [Fact]
    public void Audit_anchors_go_to_a_private_container_with_an_immutability_policy()
    {
        var account = Single("Microsoft.Storage/storageAccounts");
        Assert.False((bool)account["properties"]!["allowBlobPublicAccess"]!);
        Assert.False((bool)account["properties"]!["allowSharedKeyAccess"]!, "the app writes with its identity, no account key");
        var policy = Single("Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies");
        Assert.Equal("[parameters('auditAnchorRetentionDays')]", (string?)policy["properties"]!["immutabilityPeriodSinceCreationInDays"]);
        Assert.False((bool)policy["properties"]!["allowProtectedAppendWrites"]!, "an anchor is written once");
    }

    [Theory]
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults'")] // Key Vault Secrets User: the Key Vault references
    [InlineData("12338af0-0e69-4776-bea7-57ae8d40a424", "Microsoft.KeyVault/vaults/keys'")] // Key Vault Crypto User: the Data Protection key only
    [InlineData("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "blobServices/containers'")] // Storage Blob Data Contributor: the anchor container only
    [InlineData("420fcaa2-552c-430f-98ca-3264be4806c7", "Microsoft.SignalRService/signalR'")] // SignalR App Server
    public void The_app_identity_holds_each_role_it_needs_on_the_narrowest_scope(string roleId, string scope)
    {
        var roles = Arm["variables"]!["roles"]!.AsObject();
        var role = Assert.Single(roles, r => (string?)r.Value == roleId).Key;
        var assignment = Assert.Single(Resources("Microsoft.Authorization/roleAssignments"),
            a => ((string)a["properties"]!["roleDefinitionId"]!).Contains($"variables('roles').{role})", StringComparison.Ordinal));
        Assert.Contains(scope, (string)assignment["scope"]!);
        Assert.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", (string)assignment["properties"]!["principalId"]!);
        Assert.Contains(role, (string)assignment["name"]!); // the name is derived from scope, identity and role: redeploying adds nothing
    }

    [Fact]
    public void The_app_identity_holds_no_other_role_and_reads_Key_Vault_references_with_it()
    {
        Assert.Equal(4, Resources("Microsoft.Authorization/roleAssignments").Count());
        Assert.Equal("[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('id-{0}', variables('baseName')))]",
            (string?)Single("Microsoft.Web/sites")["properties"]!["keyVaultReferenceIdentity"]);
    }

    [Fact]
    public void Sql_Redis_and_SignalR_accept_no_local_passwords_or_plain_connections()
    {
        var sql = Single("Microsoft.Sql/servers");
        Assert.True((bool)sql["properties"]!["administrators"]!["azureADOnlyAuthentication"]!);
        var redis = Single("Microsoft.Cache/redis");
        Assert.False((bool)redis["properties"]!["enableNonSslPort"]!);
        var signalR = Single("Microsoft.SignalRService/signalR");
        Assert.True((bool)signalR["properties"]!["disableLocalAuth"]!);
        var vault = Single("Microsoft.KeyVault/vaults");
        Assert.True((bool)vault["properties"]!["enableRbacAuthorization"]!);
        Assert.True((bool)vault["properties"]!["enablePurgeProtection"]!);
    }

    private JsonObject Arm => _compiled.Arm ?? throw new InvalidOperationException("deploy/main.bicep did not compile: " + _compiled.Build.Errors);

    private IEnumerable<JsonObject> Resources(string type) =>
        Arm["resources"]!.AsArray().Select(r => r!.AsObject()).Where(r => (string?)r["type"] == type);

    private JsonObject Single(string type) => Assert.Single(Resources(type));

    private string Setting(string name)
    {
        var settings = Single("Microsoft.Web/sites")["properties"]!["siteConfig"]!["appSettings"]!.AsArray();
        var setting = Assert.Single(settings, s => (string?)s!["name"] == name);
        return (string)setting!["value"]!;
    }

    /// <summary>The CLI's warning and error lines (it prints them to standard error and exits 0 on warnings).</summary>
    private static string Diagnostics(string text) => string.Join('\n', text.Split('\n')
        .Where(l => l.Contains(": Warning ", StringComparison.Ordinal) || l.Contains(": Error ", StringComparison.Ordinal)));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LockboxPortal.sln"))) return dir.FullName;
        throw new InvalidOperationException("LockboxPortal.sln not found above " + AppContext.BaseDirectory);
    }
}

public sealed record BicepResult(int ExitCode, string Output, string Errors);

/// <summary>The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (a PackageDownload of this project).</summary>
internal static class Bicep
{
    private static string Cli()
    {
        var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepCli").Value!;
        if (!File.Exists(path))
            throw new InvalidOperationException($"The Bicep CLI is not at {path}; `dotnet restore tests/LockboxPortal.Tests` downloads it.");
        // NuGet extracts files without their execute bit on some machines.
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) is var mode && !mode.HasFlag(UnixFileMode.UserExecute))
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }

    public static BicepResult Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Cli(), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        // The CLI checks for a newer version and sends telemetry unless told not to; neither may leave this machine.
        psi.Environment["BICEP_TRACING_ENABLED"] = "false";
        psi.Environment["AZURE_BICEP_USAGE_TELEMETRY_OPT_OUT"] = "true";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish in 2 minutes.");
        }
        return new BicepResult(process.ExitCode, output.Result, errors.Result);
    }
}
