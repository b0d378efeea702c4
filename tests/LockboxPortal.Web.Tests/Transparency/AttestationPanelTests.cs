using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Transparency;

public sealed class AttestationPanelTests : PortalPageTest
{
    private async Task<AccessRequestDto> EndedAsync()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(Carol, c => c.ApproveAsync(r.Id, new ApproveCommand()));
        Time.Advance(TimeSpan.FromMinutes(20));
        return await Decide(Adam, c => c.RevokeAsync(r.Id, new RevokeCommand("Work is done.")));
    }

    private IRenderedComponent<RequestDetails> RenderDetails(Guid id)
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return Render<RequestDetails>(p => p.Add(x => x.Id, id));
    }

    private Task<AttestationDto> SubmitAsync(Guid id) =>
        As(Mia, sp => sp.GetRequiredService<AttestationService>().SubmitAsync(id, new SubmitAttestationCommand("Read the API server logs; changed nothing.")));

    [Fact]
    public async Task An_active_request_has_no_account_section()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(Carol, c => c.ApproveAsync(r.Id, new ApproveCommand()));
        SignInAs(Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=access-trail]")));
        Assert.Empty(cut.FindAll("[data-testid=attestation]"));
    }

    [Fact]
    public async Task The_engineer_writes_the_account_and_an_empty_one_is_refused_by_its_field()
    {
        var r = await EndedAsync();
        SignInAs(Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=attestation-submit]")));
        Assert.Contains("due", cut.Find("[data-testid=attestation-due]").TextContent);

        await cut.InvokeAsync(() => cut.Find("[data-testid=attestation-submit]").Click());
        cut.WaitForAssertion(() => Assert.Contains("Say what you did", cut.Find("[data-testid=attestation]").TextContent));
        Assert.Equal(Domain.Transparency.AttestationStatus.Due, (await As(Mia, sp => sp.GetRequiredService<AttestationService>().GetAsync(r.Id)))!.Status);

        cut.Find("textarea[data-testid=attestation-account]").Input("Read the API server logs; restarted one pod.");
        await cut.InvokeAsync(() => cut.Find("[data-testid=attestation-submit]").Click());

        cut.WaitForAssertion(() => Assert.Contains("restarted one pod", cut.Find("[data-testid=attestation-text]").TextContent));
        Assert.Contains("Waiting for the customer's review", cut.Find("[data-testid=attestation-review]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=attestation-acknowledge]"));
    }

    [Fact]
    public async Task The_engineer_ends_the_access_from_the_request_page_and_is_asked_for_the_account()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(Carol, c => c.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.False((await Read(Carol, r.Id)).Can(RequestAction.End));

        SignInAs(Mia);
        var cut = RenderDetails(r.Id);
        var dialogs = Render<MudDialogProvider>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=end-access]")));
        var clicked = cut.InvokeAsync(() => cut.Find("[data-testid=end-access]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("End your access now?", dialogs.Markup));
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "End access").Click());
        await clicked;

        cut.WaitForAssertion(() => Assert.Contains("Completed", cut.Find("[data-testid=request-status]").TextContent));
        Assert.Contains("Mia Chen ended the access", cut.Find("[data-testid=ending]").TextContent);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=attestation-submit]")));
    }

    [Fact]
    public async Task An_approver_acknowledges_the_account()
    {
        var r = await EndedAsync();
        await SubmitAsync(r.Id);
        SignInAs(Adam);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=attestation-acknowledge]")));
        Assert.Empty(cut.FindAll("[data-testid=attestation-submit]"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=attestation-acknowledge]").Click());

        cut.WaitForAssertion(() => Assert.Contains("Acknowledged by Adam Price", cut.Find("[data-testid=attestation-review]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=attestation-acknowledge]"));
    }

    [Fact]
    public async Task An_approver_flags_the_account_and_the_dialog_refuses_an_empty_note()
    {
        var r = await EndedAsync();
        await SubmitAsync(r.Id);
        SignInAs(Carol);
        var cut = RenderDetails(r.Id);
        var dialogs = Render<MudDialogProvider>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=attestation-flag]")));

        await cut.InvokeAsync(() => cut.Find("[data-testid=attestation-flag]").Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-flag]")));
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-flag]").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("Say what should be followed up", dialogs.Markup));

        dialogs.Find("textarea[data-testid=flag-text]").Input("Why was a pod restarted?");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-flag]").Click());

        cut.WaitForAssertion(() => Assert.Contains("Flagged for follow-up by Carol Diaz", cut.Find("[data-testid=attestation-review]").TextContent));
        Assert.Contains("Why was a pod restarted?", cut.Find("[data-testid=attestation-review]").TextContent);
    }

    [Fact]
    public async Task An_overdue_account_is_marked_with_an_icon_and_words_and_a_customer_user_sees_no_buttons()
    {
        var r = await EndedAsync();
        await Services.GetRequiredService<AttestationSweeper>().SweepAsync();
        Time.Advance(TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1));
        SignInAs(Uma);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("Overdue: was due", cut.Find("[data-testid=attestation-overdue]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=attestation-overdue] svg"));
        Assert.Empty(cut.FindAll("[data-testid=attestation-submit]"));
        Assert.Empty(cut.FindAll("[data-testid=attestation-acknowledge]"));
    }
}
