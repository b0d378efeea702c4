using System.Data.Common;
using Bunit;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Web.Components.Pages.Audit;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Audit;

/// <summary>Once armed, lets the first read of audit entries through and holds the next one until released or cancelled.</summary>
internal sealed class SecondEntryBatchGate : DbCommandInterceptor
{
    private readonly SemaphoreSlim _release = new(0);
    private int _reads;
    public volatile bool Armed;

    public void Release() => _release.Release(int.MaxValue / 2);

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (Armed && command.CommandText.Contains("FROM \"AuditEntries\"", StringComparison.Ordinal) && Interlocked.Increment(ref _reads) == 2)
            await _release.WaitAsync(cancellationToken);
        return await base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}

public sealed class AuditPageTests : PortalPageTest
{
    private readonly SecondEntryBatchGate _gate = new();

    public AuditPageTests()
    {
        Services.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_gate));
    }

    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    /// <summary>The fixture's sign-ins already put Contoso's onboarding in its chain.</summary>
    private async Task<int> ContosoChainLengthAsync()
    {
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        return await db.AuditEntries.CountAsync(e => e.ChainId == DemoPersonas.ContosoTenant);
    }

    private async Task AppendContosoEntriesAsync(int count)
    {
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        await db.InTransactionAsync(async ct =>
        {
            var writer = Services.GetRequiredService<AuditWriter>();
            for (var i = 0; i < count; i++)
                await writer.AppendAsync(db, new AuditRecord(AuditActions.AuthorizationRefused, $"probe/{i}", "Load Test", null, DemoPersonas.ContosoTenant), ct);
            return count;
        }, default);
    }

    [Fact]
    public async Task The_audit_log_lists_the_tenants_entries_for_an_approver()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<AuditLog>();
        cut.WaitForAssertion(() => Assert.Contains("request.filed", cut.Markup));
        Assert.Contains(r.Id.ToString(), cut.Markup);
    }

    [Fact]
    public async Task The_audit_log_of_another_tenant_shows_nothing_of_Contoso()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Frank);
        Providers();
        var cut = Render<AuditLog>();
        cut.WaitForAssertion(() => Assert.Contains("Audit log", cut.Markup));
        Assert.DoesNotContain(r.Id.ToString(), cut.Markup);
    }

    [Fact]
    public async Task The_action_filter_offers_every_audit_action()
    {
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<AuditLog>();
        var select = cut.FindComponent<MudSelect<string>>();

        await cut.InvokeAsync(() => select.Instance.OpenMenu());

        cut.WaitForAssertion(() => Assert.Equal(
            AuditActions.All.Order(StringComparer.Ordinal),
            cut.FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value!).Order(StringComparer.Ordinal)));
        Assert.Contains(AuditActions.NotificationRetried, AuditActions.All);
        Assert.Contains(AuditActions.SigningKeyRotated, AuditActions.All);
    }

    [Fact]
    public async Task Verification_reports_an_intact_chain_to_a_global_administrator()
    {
        await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<AuditVerification>();
        cut.Find("[data-testid=audit-verify]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Intact", cut.Find("[data-testid=audit-verify-result]").TextContent));
        Assert.Contains("anchor(s) verified", cut.Markup);
    }

    [Fact]
    public async Task Verification_shows_its_progress_and_can_be_cancelled()
    {
        await AppendContosoEntriesAsync(AuditVerifier.BatchSize + 200 - await ContosoChainLengthAsync());
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<AuditVerification>();
        _gate.Armed = true;

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Contains("1,000 of 1,200 entries checked", cut.Markup));
        Assert.NotNull(cut.Find("[data-testid=audit-verify-progress]"));
        cut.Find("[data-testid=audit-verify-cancel]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Verification cancelled", cut.Find("[data-testid=audit-verify-message]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=audit-verify-result]"));
        Assert.Empty(cut.FindAll("[data-testid=audit-verify-cancel]"));

        _gate.Release();
        cut.Find("[data-testid=audit-verify]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Intact through entry 1200", cut.Find("[data-testid=audit-verify-result]").TextContent));
    }
}
