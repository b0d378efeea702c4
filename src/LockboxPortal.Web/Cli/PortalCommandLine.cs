using LockboxPortal.Application;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Infrastructure;
using LockboxPortal.Web.Extensions;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Cli;

/// <summary>
/// Operator verbs of the Web app, handled before the web host starts:
/// <code>
/// dotnet LockboxPortal.Web.dll audit verify            recompute the chain, check checkpoints (exit 0 intact, 3 broken)
/// dotnet LockboxPortal.Web.dll audit checkpoint        sign a checkpoint of the chain's head now
/// dotnet LockboxPortal.Web.dll keys rotate             retire the signing key (kept in the JWKS while its grants live)
/// dotnet LockboxPortal.Web.dll grant verify --jwks &lt;file|url&gt; --token &lt;jws|@file&gt; [--issuer &lt;iss&gt;] [--audience &lt;aud&gt;] [--at &lt;ISO time&gt;]
/// </code>
/// The database verbs read the same configuration as the portal (appsettings.json, environment, command line).
/// </summary>
public static class PortalCommandLine
{
    public const int Ok = 0;
    public const int Failed = 3;
    public const int Usage = 64;

    public static async Task<int?> TryRunAsync(string[] args, TextWriter? output = null)
    {
        var o = output ?? Console.Out;
        if (args.Length < 2) return null;
        var verb = $"{args[0]} {args[1]}".ToLowerInvariant();
        var rest = args[2..];
        try
        {
            return verb switch
            {
                "audit verify" => await WithServicesAsync(rest, async sp =>
                {
                    var result = await sp.GetRequiredService<AuditVerifier>().VerifyAsync();
                    await o.WriteLineAsync(result.Intact ? $"intact: {result.Summary}" : $"BROKEN: {result.Summary}");
                    await o.WriteLineAsync($"checkpoints verified: {result.CheckpointsVerified}");
                    return result.Intact ? Ok : Failed;
                }),
                "audit checkpoint" => await WithServicesAsync(rest, async sp =>
                {
                    var c = await sp.GetRequiredService<AuditCheckpointer>().CheckpointAsync();
                    await o.WriteLineAsync(c is null ? "nothing new to sign: the newest entry already has a checkpoint (or the log is empty)."
                        : $"signed checkpoint at entry {c.Sequence} with key {c.KeyId}.");
                    return Ok;
                }),
                "keys rotate" => await WithServicesAsync(rest, async sp =>
                {
                    var kid = await sp.GetRequiredService<ISigningKeyStore>().RotateAsync();
                    await o.WriteLineAsync($"now signing with key {kid}; the previous key stays in the JWKS until its last grant expires. " +
                        "Running instances pick the new key up within 5 minutes.");
                    return Ok;
                }),
                "grant verify" => await VerifyGrantAsync(rest, o),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or HttpRequestException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"{verb}: {ex.Message}");
            return Failed;
        }
        catch (System.Data.Common.DbException ex)
        {
            await Console.Error.WriteLineAsync($"{verb}: cannot read the portal's database ({ex.Message}). Check ConnectionStrings:Lockbox and that the portal has started (and migrated) it once.");
            return Failed;
        }
    }

    private static async Task<int> WithServicesAsync(string[] args, Func<IServiceProvider, Task<int>> run)
    {
        var builder = WebApplication.CreateBuilder(args);
        var root = builder.AddPortalSettingsFile();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddApplication(builder.Configuration).AddInfrastructure(builder.Configuration, root);
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider);
    }

    private static async Task<int> VerifyGrantAsync(string[] args, TextWriter o)
    {
        string? Option(string name)
        {
            var i = Array.FindIndex(args, a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var jwksSource = Option("--jwks");
        var tokenSource = Option("--token");
        if (jwksSource is null || tokenSource is null)
        {
            await Console.Error.WriteLineAsync("usage: grant verify --jwks <file|url> --token <jws|@file> [--issuer <iss>] [--audience <aud>] [--at <ISO 8601 time>]");
            return Usage;
        }

        var jwks = Uri.TryCreate(jwksSource, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? await new HttpClient { Timeout = TimeSpan.FromSeconds(20) }.GetStringAsync(uri)
            : await File.ReadAllTextAsync(jwksSource);
        var token = tokenSource.StartsWith('@') ? (await File.ReadAllTextAsync(tokenSource[1..])).Trim() : tokenSource.Trim();
        var at = Option("--at") is { } when ? DateTimeOffset.Parse(when, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.UtcNow;

        var result = await GrantTokens.VerifyGrantAsync(token, new JsonWebKeySet(jwks).Keys, at, Option("--issuer"), Option("--audience"));
        if (!result.IsValid)
        {
            await o.WriteLineAsync($"INVALID: {result.Error}");
            return Failed;
        }
        var g = result.Grant!;
        await o.WriteLineAsync("valid grant");
        await o.WriteLineAsync($"  request:      {g.RequestId}");
        await o.WriteLineAsync($"  tenant:       {g.TenantId}");
        await o.WriteLineAsync($"  engineer:     {g.EngineerName} ({g.EngineerOid}), {g.Organization}");
        await o.WriteLineAsync($"  scope:        {g.ScopeKind}{(g.SubscriptionId is { } s ? " " + s : "")}");
        foreach (var id in g.ResourceIds) await o.WriteLineAsync($"                {id}");
        await o.WriteLineAsync($"  valid:        {g.NotBefore:u} – {g.ExpiresAt:u}");
        await o.WriteLineAsync($"  key:          {g.KeyId}");
        await o.WriteLineAsync("  (offline check: a revoked grant stays valid until it expires; ask /api/v1/access-checks for revocation)");
        return Ok;
    }
}
