using System.Collections.Concurrent;
using System.Data.Common;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using LockboxPortal.Infrastructure.Demo;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

/// <summary>Records which chain heads each statement touches, and every command that names the heads' table.</summary>
internal sealed class HeadStatements : DbCommandInterceptor
{
    public ConcurrentQueue<string> Touched { get; } = new();

    public ConcurrentQueue<string> Commands { get; } = new();

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("AuditChainHeads", StringComparison.Ordinal)) Commands.Enqueue(command.CommandText);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("AuditChainHeads", StringComparison.Ordinal)) Commands.Enqueue(command.CommandText);
        if (command.CommandText.Contains("AuditChainHeads", StringComparison.Ordinal))
            foreach (DbParameter p in command.Parameters)
                if (p.Value is Guid g) Touched.Enqueue(g.ToString());
                else if (p.Value is string s && Guid.TryParse(s, out var parsed)) Touched.Enqueue(parsed.ToString());
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }
}

/// <summary>Records every progress report as it is made.</summary>
internal sealed class ProgressLog(Action<AuditVerificationProgress>? onReport = null) : IProgress<AuditVerificationProgress>
{
    public List<AuditVerificationProgress> Reports { get; } = [];

    public void Report(AuditVerificationProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}

public sealed class AuditTenantChainTests : IAsyncLifetime
{
    private readonly HeadStatements _heads = new();
    private readonly PortalFixture _f;

    public AuditTenantChainTests()
    {
        _f = new PortalFixture(services: s => s.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_heads)));
    }

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task<AccessRequestDto> PendingFabrikamRequestAsync()
    {
        var ticket = await _f.OpenTicketAsync(Fiona);
        return await _f.FileAsync(Mia, Scenario.Request(ticket.Number));
    }

    private Task<List<AuditEntry>> ChainAsync(Guid chain) =>
        _f.Db(db => db.AuditEntries.AsNoTracking().Where(e => e.ChainId == chain).OrderBy(e => e.Sequence).ToListAsync());

    private Task<string> ExportAsync(DemoPersona who, AuditQuery? query = null) => _f.As(who, async sp =>
    {
        var w = new StringWriter();
        await sp.GetRequiredService<AuditService>().ExportCsvAsync(query ?? new AuditQuery(), w);
        return w.ToString();
    });

    /// <summary>Many entries in Contoso's chain quickly: refusals are appended straight by the writer.</summary>
    private async Task TopUpAsync(Guid tenant, int total) =>
        await AppendManyAsync(tenant, total - await _f.Db(db => db.AuditEntries.CountAsync(e => e.ChainId == tenant)));

    /// <summary>Contoso's chain runs 1, 2, 3… with its head on its newest entry, and every chain verifies.</summary>
    private async Task<List<AuditEntry>> AssertContosoChainUnbrokenAsync()
    {
        var entries = await ChainAsync(ContosoTenant);
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        var head = await _f.Db(db => db.AuditChainHeads.AsNoTracking().SingleAsync(h => h.ChainId == ContosoTenant));
        Assert.Equal((entries[^1].Sequence, entries[^1].Hash), (head.Sequence, head.LastHash));
        foreach (var result in await _f.Services.GetRequiredService<AuditVerifier>().VerifyAllAsync())
            Assert.True(result.Intact, $"{result.ChainName}: {result.Summary}");
        return entries;
    }

    private Task AppendManyAsync(Guid tenant, int count) => _f.Db(db => db.InTransactionAsync(async ct =>
    {
        var writer = _f.Services.GetRequiredService<AuditWriter>();
        for (var i = 0; i < count; i++)
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, $"probe/{i}", "Load Test", null, tenant), ct);
        return count;
    }, default));

    [Fact]
    public async Task Each_tenant_has_its_own_chain_from_entry_one_and_system_entries_go_to_the_portal_chain()
    {
        var c = await _f.PendingContosoRequestAsync();
        var f = await PendingFabrikamRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(c.Id, new ApproveCommand()));
        await _f.Lockbox(Frank, s => s.DenyAsync(f.Id, new DenyCommand("Not now.")));
        await _f.Db(db => db.InTransactionAsync(async ct => await _f.Services.GetRequiredService<AuditWriter>()
            .AppendAsync(db, new AuditRecord(AuditActions.SigningKeyRotated, "signing-key", "operator", null, null), ct), default));

        foreach (var (chain, tenant) in new[] { (ContosoTenant, (Guid?)ContosoTenant), (FabrikamTenant, FabrikamTenant), (AuditChains.Portal, null) })
        {
            var entries = await ChainAsync(chain);
            Assert.NotEmpty(entries);
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.All(entries, e => Assert.Equal(tenant, e.TenantId));
            Assert.Equal("", entries[0].PreviousHash);
            var head = await _f.Db(db => db.AuditChainHeads.AsNoTracking().SingleAsync(h => h.ChainId == chain));
            Assert.Equal((entries[^1].Sequence, entries[^1].Hash), (head.Sequence, head.LastHash));
        }
        foreach (var result in await _f.Services.GetRequiredService<AuditVerifier>().VerifyAllAsync())
            Assert.True(result.Intact, $"{result.ChainName}: {result.Summary}");
    }

    [Fact]
    public async Task An_approval_locks_and_reads_its_chains_head_once_and_saves_it_once_after_its_two_entries()
    {
        var c = await _f.PendingContosoRequestAsync();
        _heads.Commands.Clear();

        await _f.Lockbox(Carol, s => s.ApproveAsync(c.Id, new ApproveCommand()));

        // The approval's entry and the grant's: the head is locked (moved on) and read for the first; the second
        // continues in memory, and SaveChanges writes the head once, where the two left it, with the entries.
        var commands = _heads.Commands.ToList();
        Assert.Equal(3, commands.Count);
        Assert.Contains("\"Sequence\" + 1", commands[0], StringComparison.Ordinal);
        Assert.StartsWith("SELECT", commands[1].TrimStart(), StringComparison.Ordinal);
        Assert.StartsWith("UPDATE \"AuditChainHeads\" SET \"LastHash\" = @p0, \"Sequence\" = @p1", commands[2], StringComparison.Ordinal);
        var entries = await ChainAsync(ContosoTenant);
        Assert.Equal([AuditActions.RequestApproved, AuditActions.GrantIssued], entries.TakeLast(2).Select(e => e.Action));
        var head = await _f.Db(db => db.AuditChainHeads.AsNoTracking().SingleAsync(h => h.ChainId == ContosoTenant));
        Assert.Equal((entries[^1].Sequence, entries[^1].Hash), (head.Sequence, head.LastHash));
    }

    [Fact]
    public async Task Appends_on_either_side_of_a_save_in_one_transaction_continue_one_chain()
    {
        var writer = _f.Services.GetRequiredService<AuditWriter>();
        await _f.Db(db => db.InTransactionAsync(async ct =>
        {
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "probe/1", "Load Test", null, ContosoTenant), ct);
            await db.SaveChangesAsync(ct);
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "probe/2", "Load Test", null, ContosoTenant), ct);
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "probe/3", "Load Test", null, ContosoTenant), ct);
            return 0;
        }, default));
        await AppendManyAsync(ContosoTenant, 2);

        await AssertContosoChainUnbrokenAsync();
    }

    [Fact]
    public async Task An_append_after_the_change_tracker_was_cleared_still_saves_the_chains_head()
    {
        var writer = _f.Services.GetRequiredService<AuditWriter>();
        await _f.Db(db => db.InTransactionAsync(async ct =>
        {
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "cleared/1", "Load Test", null, ContosoTenant), ct);
            await db.SaveChangesAsync(ct);
            // The head the first append tracked is let go with everything else; the next append must not move an
            // untracked copy that no save writes (the head would stay behind its newest entry).
            db.ChangeTracker.Clear();
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "cleared/2", "Load Test", null, ContosoTenant), ct);
            return 0;
        }, default));
        await AppendManyAsync(ContosoTenant, 2); // fails on the key if the head stayed behind

        var entries = await AssertContosoChainUnbrokenAsync();
        Assert.Equal(["cleared/1", "cleared/2"], entries.Where(e => e.Target.StartsWith("cleared/", StringComparison.Ordinal)).Select(e => e.Target));
    }

    [Fact]
    public async Task An_actor_name_longer_than_its_column_is_stored_cut_to_the_column()
    {
        // An Entra display name may have 256 characters; the actor column holds 200 (SQL Server enforces it).
        var writer = _f.Services.GetRequiredService<AuditWriter>();
        var name = new string('N', 256);
        await _f.Db(db => db.InTransactionAsync(async ct =>
        {
            await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "probe/long\n" + new string('t', 300), name, null, ContosoTenant), ct);
            return 0;
        }, default));

        var entry = (await AssertContosoChainUnbrokenAsync())[^1];
        Assert.Equal(new string('N', 199) + "…", entry.Actor);
        Assert.True(entry.Target.Length <= 200, $"A target of {entry.Target.Length} characters.");
    }

    [Fact]
    public async Task An_append_for_one_tenant_touches_no_other_chains_head()
    {
        var c = await _f.PendingContosoRequestAsync();
        await PendingFabrikamRequestAsync();
        _heads.Touched.Clear();

        await _f.Lockbox(Carol, s => s.ApproveAsync(c.Id, new ApproveCommand()));

        Assert.NotEmpty(_heads.Touched);
        Assert.All(_heads.Touched, chain => Assert.Equal(ContosoTenant.ToString(), chain));
    }

    [Fact]
    public async Task Concurrent_decisions_in_two_tenants_form_two_unbroken_chains()
    {
        var contoso = new List<AccessRequestDto>();
        var fabrikam = new List<AccessRequestDto>();
        for (var i = 0; i < 6; i++)
        {
            contoso.Add(await _f.PendingContosoRequestAsync());
            fabrikam.Add(await PendingFabrikamRequestAsync());
        }

        await Task.WhenAll(contoso.Select(r => Task.Run(() => _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()))))
            .Concat(fabrikam.Select(r => Task.Run(() => _f.Lockbox(Frank, s => s.DenyAsync(r.Id, new DenyCommand("No.")))))));

        Assert.True((await _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(ContosoTenant)).Intact);
        Assert.True((await _f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(FabrikamTenant)).Intact);
        Assert.Equal(6, (await ChainAsync(FabrikamTenant)).Count(e => e.Action == AuditActions.RequestDenied));
    }

    [Fact]
    public async Task A_tenants_export_verifies_on_its_own_and_holds_no_other_tenants_entries()
    {
        var c = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(c.Id, new ApproveCommand()));
        await PendingFabrikamRequestAsync();

        var csv = await ExportAsync(Carol);
        var result = await AuditExportVerifier.VerifyAsync(new StringReader(csv));

        Assert.True(result.Intact, result.Summary);
        Assert.Equal(1, result.FirstEntry);
        Assert.Equal((await ChainAsync(ContosoTenant)).Count, result.Rows);
        Assert.Equal(ContosoTenant, result.TenantId);
        Assert.DoesNotContain(FabrikamTenant.ToString(), csv);
        Assert.Contains("from the start of the chain", result.Summary);
    }

    [Fact]
    public async Task An_edited_export_fails_offline_verification_at_the_edited_entry()
    {
        var c = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.DenyAsync(c.Id, new DenyCommand("Not during the freeze.")));
        var csv = await ExportAsync(Carol);

        var edited = csv.Replace("Not during the freeze.", "Approved by the CEO.");
        var result = await AuditExportVerifier.VerifyAsync(new StringReader(edited));

        Assert.NotEqual(csv, edited);
        Assert.False(result.Intact);
        Assert.Contains("does not match its hash", result.Problem);
    }

    [Fact]
    public async Task A_filtered_export_says_entries_are_not_in_the_file()
    {
        var c = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(c.Id, new ApproveCommand()));
        await _f.PendingContosoRequestAsync();

        var csv = await ExportAsync(Carol, new AuditQuery { Action = AuditActions.RequestFiled });
        var result = await AuditExportVerifier.VerifyAsync(new StringReader(csv));

        Assert.False(result.Intact);
        Assert.Contains("are not in the file: it is a filtered export, or they were removed", result.Problem);
    }

    [Fact]
    public async Task Export_cells_that_start_like_formulas_or_with_an_apostrophe_still_verify()
    {
        await _f.Db(db => db.InTransactionAsync(async ct =>
        {
            var writer = _f.Services.GetRequiredService<AuditWriter>();
            foreach (var actor in new[] { "=cmd|' /C calc'!A0", "'quoted", "-minus", "@at" })
                await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, "+target", actor, null, ContosoTenant), ct);
            return 0;
        }, default));

        var result = await AuditExportVerifier.VerifyAsync(new StringReader(await ExportAsync(Carol)));

        Assert.True(result.Intact, result.Summary);
    }

    [Fact]
    public async Task Not_an_export_is_refused_with_the_header_it_expects()
    {
        var result = await AuditExportVerifier.VerifyAsync(new StringReader("a,b,c\n1,2,3\n"));
        Assert.False(result.Intact);
        Assert.Contains(AuditExportVerifier.Header, result.Problem);
    }

    [Fact]
    public async Task A_global_administrators_verify_covers_their_tenant_only_and_reports_progress_by_batch()
    {
        // Topped up to exact totals: the fixture's sign-ins already put each tenant's onboarding in its chain.
        await TopUpAsync(ContosoTenant, AuditVerifier.BatchSize + 200);
        await TopUpAsync(FabrikamTenant, 3);
        var progress = new ProgressLog();

        var result = await _f.As(Carol, sp => sp.GetRequiredService<AuditService>().VerifyAsync(progress));

        Assert.Equal(ContosoTenant, result.ChainId);
        Assert.True(result.Intact, result.Summary);
        Assert.Equal(AuditVerifier.BatchSize + 200, result.VerifiedThrough);
        Assert.Equal(new AuditVerificationProgress(AuditVerifier.BatchSize, AuditVerifier.BatchSize + 200), progress.Reports[0]);
        Assert.Equal(new AuditVerificationProgress(AuditVerifier.BatchSize + 200, AuditVerifier.BatchSize + 200), progress.Reports[^1]);

        var frank = await _f.As(Frank, sp => sp.GetRequiredService<AuditService>().VerifyAsync());
        Assert.Equal(FabrikamTenant, frank.ChainId);
        Assert.Equal(3, frank.VerifiedThrough);
    }

    [Fact]
    public async Task A_tenant_verify_can_be_cancelled_between_batches()
    {
        await TopUpAsync(ContosoTenant, AuditVerifier.BatchSize * 2 + 10);
        using var cts = new CancellationTokenSource();
        var progress = new ProgressLog(_ => cts.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _f.As(Carol, sp => sp.GetRequiredService<AuditService>().VerifyAsync(progress, cts.Token)));

        Assert.Single(progress.Reports);
        Assert.Equal(AuditVerifier.BatchSize, progress.Reports[0].Verified);
    }
}
