using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Audit;

public sealed class AuditServiceTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Audit<T>(Infrastructure.Demo.DemoPersona who, Func<AuditService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<AuditService>()));

    [Fact]
    public async Task Approvers_see_only_their_tenants_entries_filtered_and_paged_in_the_database()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromHours(1));
        await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        var fabrikam = await _f.OpenTicketAsync(Fiona);

        var all = await Audit(Carol, s => s.ListAsync(new AuditQuery { PageSize = 2 }));
        Assert.Equal(2, all.Items.Count);
        Assert.True(all.TotalCount >= 4);
        Assert.True(all.Items[0].Sequence > all.Items[1].Sequence);

        var everything = await Audit(Carol, s => s.ListAsync(new AuditQuery { PageSize = 200 }));
        Assert.DoesNotContain(everything.Items, e => e.Target == $"ticket/{fabrikam.Number}");

        var approvals = await Audit(Adam, s => s.ListAsync(new AuditQuery { Action = AuditActions.RequestApproved }));
        Assert.Equal(Adam.Name, Assert.Single(approvals.Items).Actor);

        var byActor = await Audit(Carol, s => s.ListAsync(new AuditQuery { Actor = "adam" }));
        Assert.All(byActor.Items, e => Assert.Equal(Adam.Name, e.Actor));

        var early = await Audit(Carol, s => s.ListAsync(new AuditQuery { To = PortalFixture.Start.AddMinutes(30), PageSize = 200 }));
        Assert.DoesNotContain(early.Items, e => e.Action == AuditActions.RequestApproved);
        var late = await Audit(Carol, s => s.ListAsync(new AuditQuery { From = PortalFixture.Start.AddMinutes(30), PageSize = 200 }));
        Assert.All(late.Items, e => Assert.True(e.OccurredAt >= PortalFixture.Start.AddMinutes(30)));

        var fabrikamView = await Audit(Frank, s => s.ListAsync(new AuditQuery { PageSize = 200 }));
        Assert.DoesNotContain(fabrikamView.Items, e => e.Target.Contains(r.Id.ToString()));
    }

    [Fact]
    public async Task Users_without_the_approver_role_and_engineers_cannot_read_the_tenant_log()
    {
        await _f.PendingContosoRequestAsync();
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Audit(Uma, s => s.ListAsync(new AuditQuery())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Audit(Mia, s => s.ListAsync(new AuditQuery())));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Audit(Uma, async s => { await s.ExportCsvAsync(new AuditQuery(), TextWriter.Null); return 0; }));
    }

    [Fact]
    public async Task Csv_export_quotes_every_cell_and_defuses_formulas()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("=HYPERLINK(\"http://evil\",\"x\") and \"quotes\"")));

        var csv = await Audit(Carol, async s => { var w = new StringWriter(); await s.ExportCsvAsync(new AuditQuery(), w); return w.ToString(); });
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,occurredAt,actor", lines[0]);
        Assert.Contains(lines, l => l.Contains("request.denied"));
        Assert.All(lines.Skip(1), l => Assert.StartsWith("\"", l));

        Assert.Equal("\"'=1+2\"", AuditService.Csv("=1+2"));
        Assert.Equal("\"'+1\"", AuditService.Csv("+1"));
        Assert.Equal("\"'-1\"", AuditService.Csv("-1"));
        Assert.Equal("\"'@SUM(A1)\"", AuditService.Csv("@SUM(A1)"));
        Assert.Equal("\"a \"\"b\"\"\"", AuditService.Csv("a \"b\""));
    }

    [Fact]
    public async Task Request_history_is_shown_to_the_tenant_and_its_engineer_and_to_nobody_else()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        var forUma = await Audit(Uma, s => s.HistoryOfRequestAsync(r.Id));
        Assert.Equal([AuditActions.RequestFiled, AuditActions.RequestApproved, AuditActions.GrantIssued], forUma.Select(e => e.Action));
        var forMia = await Audit(Mia, s => s.HistoryOfRequestAsync(r.Id));
        Assert.Equal(forUma.Select(e => e.Sequence), forMia.Select(e => e.Sequence));

        await Assert.ThrowsAsync<NotFoundException>(() => Audit(Ravi, s => s.HistoryOfRequestAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => Audit(Frank, s => s.HistoryOfRequestAsync(r.Id)));
    }

    [Fact]
    public async Task Grant_tokens_never_enter_the_audit_log()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        var grant = await _f.As(Mia, sp => sp.GetRequiredService<Application.Grants.GrantService>().GetGrantAsync(r.Id));
        var csv = await Audit(Carol, async s => { var w = new StringWriter(); await s.ExportCsvAsync(new AuditQuery(), w); return w.ToString(); });
        Assert.DoesNotContain(grant!.Token.Split('.')[2], csv);
        Assert.DoesNotContain(grant.Token.Split('.')[2], _f.Logs.All);
    }
}
