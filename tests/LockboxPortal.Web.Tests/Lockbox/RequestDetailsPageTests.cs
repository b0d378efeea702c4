using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

public sealed class RequestDetailsPageTests : PortalPageTest
{
    private IRenderedComponent<RequestDetails> RenderDetails(Guid id)
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return Render<RequestDetails>(p => p.Add(x => x.Id, id));
    }

    [Theory]
    [InlineData("carol")]
    [InlineData("adam")]
    public async Task Approvers_of_the_tenant_see_approve_and_deny_on_a_pending_request(string persona)
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Find(persona)!);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("Customer Notified", cut.Find("[data-testid=request-status]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=approve]"));
        Assert.Single(cut.FindAll("[data-testid=deny]"));
        Assert.Empty(cut.FindAll("[data-testid=withdraw]"));
    }

    [Fact]
    public async Task A_customer_without_the_approver_role_sees_the_request_but_no_buttons()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Uma);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("API server", cut.Find("[data-testid=justification]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
        Assert.Empty(cut.FindAll("[data-testid=deny]"));
        Assert.Empty(cut.FindAll("[data-testid=revoke]"));
    }

    [Fact]
    public async Task The_requesting_engineer_may_withdraw_but_not_decide()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=withdraw]")));
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task Another_tenants_administrator_gets_not_found_and_no_detail()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Frank);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("not found", cut.Markup));
        Assert.DoesNotContain("API server", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task Active_access_shows_the_countdown_and_revoke()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(2))));
        SignInAs(DemoPersonas.Adam);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("2 h 00 min left", cut.Find("[data-testid=access-countdown]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=revoke]"));
        Assert.Empty(cut.FindAll("[data-testid=approve]"));
    }

    [Fact]
    public async Task The_engineer_finds_the_signed_grant_and_the_history_after_approval()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.StartsWith("eyJ", cut.Find("[data-testid=grant-token]").TextContent));
        var history = cut.Find("[data-testid=history]").TextContent;
        Assert.Contains("Requested by Mia Chen", history);
        Assert.Contains("Approved by Adam Price", history);
        Assert.Contains("Access grant signed", history);
    }

    [Fact]
    public async Task Copying_the_grant_is_confirmed_beside_the_button_not_in_a_toast_over_it()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.StartsWith("eyJ", cut.Find("[data-testid=grant-token]").TextContent));

        cut.Find("[data-testid=copy-grant]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Copied to the clipboard.", cut.Find("[data-testid=copy-grant-result]").TextContent));
        Assert.Equal("polite", cut.Find("[data-testid=copy-grant-result]").GetAttribute("aria-live"));
        var invocation = Assert.Single(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText");
        Assert.Equal(cut.Find("[data-testid=grant-token]").TextContent, invocation.Arguments[0]);
        Assert.Empty(Services.GetRequiredService<ISnackbar>().ShownSnackbars);
    }

    [Fact]
    public async Task A_refused_copy_says_how_to_copy_by_hand_beside_the_button()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        JSInterop.SetupVoid("navigator.clipboard.writeText", _ => true).SetException(new Microsoft.JSInterop.JSException("NotAllowedError"));
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=copy-grant]")));

        cut.Find("[data-testid=copy-grant]").Click();

        cut.WaitForAssertion(() => Assert.Contains("copy it by hand", cut.Find("[data-testid=copy-grant-result]").TextContent));
        Assert.Empty(Services.GetRequiredService<ISnackbar>().ShownSnackbars);
    }

    [Fact]
    public async Task The_countdown_ticks_and_the_page_shows_the_end_of_access_when_the_window_closes()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(1))));
        SignInAs(DemoPersonas.Adam);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("1 h 00 min left", cut.Find("[data-testid=access-countdown]").TextContent));

        Time.Advance(TimeSpan.FromMinutes(30));
        cut.WaitForAssertion(() => Assert.Contains("30 min 00 s left", cut.Find("[data-testid=access-countdown]").TextContent));

        Time.Advance(TimeSpan.FromMinutes(31));
        cut.WaitForAssertion(() => Assert.Contains("Completed", cut.Find("[data-testid=request-status]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=access-countdown]"));
        Assert.Empty(cut.FindAll("[data-testid=revoke]"));
    }

    [Fact]
    public async Task A_pending_request_has_no_grant()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("Customer Notified", cut.Find("[data-testid=request-status]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=grant]"));
    }

    [Fact]
    public async Task A_decision_made_elsewhere_shows_up_live()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("Customer Notified", cut.Find("[data-testid=request-status]").TextContent));

        await Decide(DemoPersonas.Carol, s => s.DenyAsync(r.Id, new DenyCommand("Not during the freeze.")));

        cut.WaitForAssertion(() => Assert.Contains("Denied", cut.Find("[data-testid=request-status]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Contains("Not during the freeze.", cut.Find("[data-testid=decision]").TextContent);
    }
}

public sealed class DecisionDialogTests : PortalPageTest
{
    private async Task<IRenderedComponent<MudDialogProvider>> ShowAsync<TDialog>(AccessRequestDto request) where TDialog : IComponent
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        await provider.InvokeAsync(() => dialogs.ShowAsync<TDialog>("Decide", new DialogParameters { ["Request"] = request }));
        return provider;
    }

    [Fact]
    public async Task Deny_without_a_reason_shows_the_message_by_the_field_and_changes_nothing()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var cut = await ShowAsync<DenyDialog>(r);

        cut.Find("[data-testid=confirm-deny]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Give the engineer a reason for the denial.", cut.Markup));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
    }

    [Fact]
    public async Task Deny_with_a_reason_decides_the_request()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        var cut = await ShowAsync<DenyDialog>(r);

        cut.Find("textarea[data-testid=deny-reason]").Input("Send the logs through the support tool.");
        cut.Find("[data-testid=confirm-deny]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=deny-dialog]")));
        var stored = await Read(DemoPersonas.Adam, r.Id);
        Assert.Equal(AccessRequestStatus.Denied, stored.Status);
        Assert.Equal("Send the logs through the support tool.", stored.DecisionReason);
    }

    [Fact]
    public async Task Losing_a_concurrent_decision_says_who_decided_and_how()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var cut = await ShowAsync<ApproveDialog>(r);

        await Decide(DemoPersonas.Adam, s => s.DenyAsync(r.Id, new DenyCommand("Denied first.")));
        cut.Find("[data-testid=confirm-approve]").Click();

        cut.WaitForAssertion(() => Assert.Contains("already denied by Adam Price", cut.Find("[data-testid=dialog-error]").TextContent));
        Assert.DoesNotContain("   at ", cut.Markup);
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.Denied, stored.Status);
    }

    [Fact]
    public async Task The_service_refuses_an_approval_whatever_the_dialog_shows()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Uma);
        var cut = await ShowAsync<ApproveDialog>(r);

        cut.Find("[data-testid=confirm-approve]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Only a Global Administrator or a Lockbox approver", cut.Find("[data-testid=dialog-error]").TextContent));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
    }

    [Fact]
    public async Task Approve_offers_only_durations_up_to_what_was_requested()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var cut = await ShowAsync<ApproveDialog>(r);
        cut.Find("[data-testid=confirm-approve]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=approve-dialog]")));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(stored.AccessStartsAt!.Value.AddHours(8), stored.AccessEndsAt);
    }
}
