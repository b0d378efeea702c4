using Bunit;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>What approval policies change on the request pages: the form's preview, "1 of 2 approvals", the reason filter.</summary>
public sealed class ApprovalPolicyPagesTests : PortalPageTest
{
    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    private Task RequireTwoApprovalsAsync() =>
        As(DemoPersonas.Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().SetTenantPolicyAsync(new TenantPolicyCommand(2, "UTC")));

    [Fact]
    public async Task Before_filing_the_form_shows_which_policy_applies()
    {
        await RequireTwoApprovalsAsync();
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Mia);
        Providers();
        var cut = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));

        cut.WaitForAssertion(() => Assert.Equal("This request needs 2 approvals from Contoso (tenant policy).", cut.Find("[data-testid=policy-preview]").TextContent.Trim()));
        Assert.Contains("Customer-initiated support", cut.Markup);
    }

    [Fact]
    public async Task After_the_first_of_two_approvals_the_request_shows_one_of_two_and_only_the_other_approver_can_approve()
    {
        await RequireTwoApprovalsAsync();
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        SignInAs(DemoPersonas.Carol);
        Providers();
        var carol = Render<RequestDetails>(p => p.Add(x => x.Id, r.Id));
        carol.WaitForAssertion(() => Assert.Equal("1 of 2 approvals", carol.Find("[data-testid=approval-progress]").TextContent));
        Assert.Contains("needs 2 approvals from Contoso", carol.Find("[data-testid=policy]").TextContent);
        Assert.Empty(carol.FindAll("[data-testid=approve]"));
        Assert.Single(carol.FindAll("[data-testid=deny]"));

        SignInAs(DemoPersonas.Adam);
        var adam = Render<RequestDetails>(p => p.Add(x => x.Id, r.Id));
        adam.WaitForAssertion(() => Assert.Single(adam.FindAll("[data-testid=approve]")));
    }

    [Fact]
    public async Task The_blade_filters_by_reason_and_shows_the_approvals_of_a_waiting_request()
    {
        await RequireTwoApprovalsAsync();
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        var incident = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number) with { Reason = JustificationReason.Incident }));
        var support = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));
        Assert.All(cut.FindAll("[data-testid=row-approvals]"), c => Assert.Equal("0 of 2 approvals", c.TextContent));

        cut.Find("select[data-testid=reason-filter]").Change(nameof(JustificationReason.Incident));

        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Contains(incident.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
        Assert.DoesNotContain(support.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
    }
}
