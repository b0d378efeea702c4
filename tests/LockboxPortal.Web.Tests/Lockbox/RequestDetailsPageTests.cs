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
