using LockboxPortal.Application;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure;
using LockboxPortal.Web.Extensions;
using Microsoft.IdentityModel.Tokens;

namespace LockboxPortal.Web.Cli;

/// <summary>
/// Operator verbs of the Web app, handled before the web host starts:
/// <code>
/// dotnet LockboxPortal.Web.dll audit verify            every chain against its checkpoints and anchors (exit 0 intact, 3 broken, 4 anchor store missing)
/// dotnet LockboxPortal.Web.dll audit checkpoint        sign and anchor a checkpoint of each grown chain now
/// dotnet LockboxPortal.Web.dll audit rechain           split the portal-wide chain of an earlier version into per-tenant chains
/// dotnet LockboxPortal.Web.dll audit verify-export &lt;file.csv&gt;   verify a CSV export on its own, offline (exit 0 intact, 3 broken)
/// dotnet LockboxPortal.Web.dll keys rotate             retire the signing key (kept in the JWKS while its grants live)
/// dotnet LockboxPortal.Web.dll grant verify --jwks &lt;file|url&gt; --token &lt;jws|@file&gt; [--issuer &lt;iss&gt;] [--audience &lt;aud&gt;] [--at &lt;ISO time&gt;]
/// </code>
/// The database verbs read the same configuration as the portal (appsettings.json, environment, command line).
/// </summary>
public static class PortalCommandLine
{
    public const int Ok = 0;
    public const int Failed = 3;

    /// <summary>The log verified against the database alone: the anchor store is missing or unreachable.</summary>
    public const int AnchorsMissing = 4;
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
                "audit verify" => await WithServicesAsync(rest, sp => VerifyAuditAsync(sp.GetRequiredService<AuditVerifier>(), o)),
                "audit checkpoint" => await WithServicesAsync(rest, async sp =>
                {
                    var signed = await sp.GetRequiredService<AuditCheckpointer>().CheckpointAsync();
                    if (signed.Count == 0) await o.WriteLineAsync("nothing new to sign: every chain's newest entry already has a checkpoint (or the log is empty).");
                    foreach (var c in signed)
                        await o.WriteLineAsync($"signed checkpoint {c.Number} of the {AuditChains.Name(c.ChainId)} chain at entry {c.Sequence} with key {c.KeyId}" +
                            (c.AnchoredAt is null ? "; NOT anchored (see the log), retried at the next checkpoint." : ", anchored."));
                    return Ok;
                }),
                "audit rechain" => await WithServicesAsync(rest, async sp =>
                {
                    var r = await sp.GetRequiredService<AuditRechainer>().RechainAsync();
                    await o.WriteLineAsync(r is null ? "nothing to do: the log has no portal-wide chain of an earlier version."
                        : $"split {r.LegacyEntries} entries (last hash {r.LegacyLastHash}, {r.LegacyCheckpoints} signed checkpoints) into {r.Chains} chains; recorded as {AuditActions.AuditChainsSplit} in the portal chain.");
                    return Ok;
                }),
                "audit verify-export" => await VerifyExportAsync(rest, o),
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

    /// <summary>Every chain; the exit code says the worst: broken, else anchors unreadable, else intact.</summary>
    internal static async Task<int> VerifyAuditAsync(AuditVerifier verifier, TextWriter o)
    {
        var results = await verifier.VerifyAllAsync();
        foreach (var r in results)
        {
            await o.WriteLineAsync($"{r.ChainName}: " + (r.Intact ? $"intact: {r.Summary}" : $"BROKEN: {r.Summary}"));
            foreach (var p in r.Problems) await o.WriteLineAsync($"  - {p.Text}");
            await o.WriteLineAsync($"  checkpoints verified: {r.CheckpointsVerified}, anchors verified: {r.AnchorsVerified}");
        }
        var warning = results.Select(r => r.AnchorWarning).FirstOrDefault(w => w is not null);
        if (warning is not null) await o.WriteLineAsync($"WARNING: {warning}");
        return results.Any(r => !r.Intact) ? Failed : warning is not null ? AnchorsMissing : Ok;
    }

    private static async Task<int> VerifyExportAsync(string[] args, TextWriter o)
    {
        if (args.Length != 1)
        {
            await Console.Error.WriteLineAsync("usage: audit verify-export <file.csv>   (the CSV the audit page exports)");
            return Usage;
        }
        using var reader = new StreamReader(args[0]);
        var result = await AuditExportVerifier.VerifyAsync(reader);
        await o.WriteLineAsync(result.Intact ? result.Summary : $"BROKEN: {result.Problem}");
        return result.Intact ? Ok : Failed;
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
