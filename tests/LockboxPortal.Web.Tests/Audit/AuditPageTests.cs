using System.Data.Common;
using Bunit;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.ServicePrincipals;
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
    public async Task Each_entry_reads_as_a_sentence_with_names_and_a_readable_action()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, l => l.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(2))));
        var created = await As(DemoPersonas.Carol, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(new CreateServicePrincipalCommand
        {
            SubscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590", ResourceGroupName = "aro-rg", Location = "eastus2", DisplayName = "aro-sp",
        }));
        await As(DemoPersonas.Carol, async sp =>
        {
            var principals = sp.GetRequiredService<ServicePrincipalService>();
            var listed = (await principals.ListAsync(new ServicePrincipalListQuery())).Items.Single(p => p.AppId.ToString() == created.AppId);
            return await principals.RotateAsync(listed.Id, new RotateCredentialCommand(), listed.Version);
        });

        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<AuditLog>();

        cut.WaitForAssertion(() => Assert.Contains("Carol Diaz rotated the secret of service principal aro-sp",
            cut.FindAll("[data-testid=audit-sentence]").Select(s => s.TextContent)));
        var sentences = cut.FindAll("[data-testid=audit-sentence]").Select(s => s.TextContent).ToList();
        Assert.Contains($"Adam Price approved Mia Chen's access request for ticket {r.TicketNumber} for 2 h", sentences);
        Assert.Contains($"Mia Chen requested access for ticket {r.TicketNumber} for 8 h", sentences);
        Assert.Contains("Carol Diaz created service principal aro-sp", sentences);
        Assert.All(sentences, s => Assert.DoesNotContain(r.Id.ToString(), s));
        var actions = cut.FindAll("[data-testid=audit-action-name]").Select(a => a.TextContent).ToList();
        Assert.Contains("Service principal secret rotated", actions);
        Assert.Contains("Access approved", actions);
        Assert.DoesNotContain("request.approved", actions);
    }

    [Fact]
    public async Task The_raw_details_are_folded_until_asked_for()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<AuditLog>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=audit-details]")));
        var details = cut.FindAll("[data-testid=audit-details]");
        Assert.All(details, d => Assert.False(d.HasAttribute("open")));
        Assert.Contains(details, d => d.TextContent.Contains($"access-request/{r.Id}", StringComparison.Ordinal)
            && d.TextContent.Contains("\"ticket\"", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sentence_survives_details_it_cannot_read_and_an_unknown_action()
    {
        var broken = new AuditEntryDto(1, DateTimeOffset.UnixEpoch, "Carol Diaz", null, AuditActions.RequestDenied, "access-request/not-a-guid", "{not json", "h");
        Assert.Equal("Carol Diaz denied an access request", broken.Sentence);
        var unknown = broken with { Action = "something.new", Details = "[1,2]" };
        Assert.Equal("Carol Diaz: something.new on access-request/not-a-guid", unknown.Sentence);
        Assert.Equal("something.new", unknown.ActionName);
        Assert.All(AuditActions.All, a => Assert.NotEqual(a, AuditSentences.ActionName(a)));
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
