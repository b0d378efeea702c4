using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Audit;

/// <summary>The operator's audit verbs, run as the command line runs them, against a real database and anchor folder.</summary>
public sealed class AuditCommandLineTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(sqliteOnly: true);

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private string Root => Path.GetDirectoryName(_f.DatabasePath)!;
    private string AnchorFolder => Path.Combine(Root, "data", "audit-digests");

    private async Task HistoryAsync()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        await _f.Services.GetRequiredService<AuditCheckpointer>().CheckpointAsync();
    }

    private static async Task<(int? Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var exit = await PortalCommandLine.TryRunAsync(args, output);
        return (exit, output.ToString());
    }

    private Task<(int? Exit, string Output)> VerifyAsync(string anchors) =>
        RunAsync("audit", "verify", $"--ConnectionStrings:Lockbox={_f.ConnectionString}", $"--Audit:Anchors:Folder={anchors}");

    [Fact]
    public async Task Audit_verify_checks_every_chain_against_its_anchors_and_exits_zero_when_intact()
    {
        await HistoryAsync();

        var (exit, output) = await VerifyAsync(AnchorFolder);

        Assert.Equal(PortalCommandLine.Ok, exit);
        Assert.Contains($"tenant {ContosoTenant}: intact: Intact through entry", output);
        Assert.Contains("portal: ", output);
        Assert.Contains("anchors verified: 1", output);
    }

    [Fact]
    public async Task Audit_verify_with_no_anchor_store_warns_with_its_own_exit_code()
    {
        await HistoryAsync();

        var (exit, output) = await VerifyAsync(Path.Combine(Root, "no-such-folder"));

        Assert.Equal(PortalCommandLine.AnchorsMissing, exit);
        Assert.NotEqual(PortalCommandLine.Failed, exit);
        Assert.Contains("WARNING: The anchor folder", output);
    }

    [Fact]
    public async Task Audit_verify_of_an_edited_entry_exits_three_and_names_it()
    {
        await HistoryAsync();
        await using (var conn = new SqliteConnection(_f.ConnectionString + ";Pooling=False"))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = "UPDATE AuditEntries SET Actor = 'Someone Else' WHERE Sequence = 2 AND ChainId = $c";
            cmd.Parameters.AddWithValue("$c", ContosoTenant.ToString().ToUpperInvariant());
            await cmd.ExecuteNonQueryAsync();
        }

        var (exit, output) = await VerifyAsync(AnchorFolder);

        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.Contains($"tenant {ContosoTenant}: BROKEN: Broken at entry 2", output);
    }

    [Fact]
    public async Task Audit_verify_export_checks_a_tenants_csv_offline()
    {
        await HistoryAsync();
        var csv = await _f.As(Carol, async sp =>
        {
            var w = new StringWriter();
            await sp.GetRequiredService<AuditService>().ExportCsvAsync(new AuditQuery(), w);
            return w.ToString();
        });
        var file = Path.Combine(Root, "contoso.csv");
        await File.WriteAllTextAsync(file, csv);

        var (exit, output) = await RunAsync("audit", "verify-export", file);
        Assert.Equal(PortalCommandLine.Ok, exit);
        Assert.StartsWith("Intact: entries 1–", output);

        await File.WriteAllTextAsync(file, csv.Replace("Carol Diaz", "Carl Diaz"));
        (exit, output) = await RunAsync("audit", "verify-export", file);
        Assert.Equal(PortalCommandLine.Failed, exit);
        Assert.StartsWith("BROKEN: line ", output);

        (exit, _) = await RunAsync("audit", "verify-export");
        Assert.Equal(PortalCommandLine.Usage, exit);
    }
}
