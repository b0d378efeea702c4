using Bunit;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Administration;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Administration;

/// <summary>Administration › Approval policies: the tenant quorum, subscription approvers, rules and their dry run.</summary>
public sealed class ApprovalPoliciesPageTests : PortalPageTest
{
    private IRenderedComponent<MudSnackbarProvider>? _snackbar;

    private IRenderedComponent<CascadingAuthenticationState> RenderPage()
    {
        if (_snackbar is null)
        {
            Render<MudPopoverProvider>();
            Render<MudDialogProvider>();
            _snackbar = Render<MudSnackbarProvider>();
        }
        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<ApprovalPolicies>());
        cut.WaitForAssertion(() => cut.Find("[data-testid=save-tenant-policy]"), TimeSpan.FromSeconds(10));
        return cut;
    }

    private Task<ApprovalPolicySettingsDto> Settings(DemoPersona who) => As(who, sp => sp.GetRequiredService<ApprovalPolicyService>().GetAsync());

    [Fact]
    public async Task A_global_administrator_sets_the_tenant_to_two_approvals()
    {
        SignInAs(DemoPersonas.Carol);
        var cut = RenderPage();

        cut.Find("input[data-testid=required-approvals], [data-testid=required-approvals] input").Change("2");
        cut.Find("[data-testid=save-tenant-policy]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Requests now need 2 approvals", _snackbar!.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(2, (await Settings(DemoPersonas.Carol)).RequiredApprovals);
        Assert.Equal(1, (await Settings(DemoPersonas.Frank)).RequiredApprovals);
    }

    [Fact]
    public async Task More_approvals_than_the_tenant_has_approvers_shows_why_beside_the_field_and_saves_nothing()
    {
        SignInAs(DemoPersonas.Carol);
        var cut = RenderPage();

        cut.Find("input[data-testid=required-approvals], [data-testid=required-approvals] input").Change("5");
        cut.Find("[data-testid=save-tenant-policy]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Only 2 people of your tenant can approve", cut.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(1, (await Settings(DemoPersonas.Carol)).RequiredApprovals);
    }

    [Fact]
    public async Task A_rule_without_a_condition_is_refused_with_a_message_and_not_listed()
    {
        SignInAs(DemoPersonas.Carol);
        var cut = RenderPage();

        cut.Find("input[data-testid=rule-name], [data-testid=rule-name] input").Change("Everything");
        cut.Find("[data-testid=rule-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("A rule needs at least one condition", cut.Find("[data-testid=rule-conditions-error]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Single(cut.FindAll("[data-testid=rules-empty]"));
        Assert.Empty((await Settings(DemoPersonas.Carol)).Rules);
    }

    [Fact]
    public async Task Editing_a_rule_dry_runs_it_on_the_last_thirty_days_and_saving_makes_the_next_version()
    {
        await As(DemoPersonas.Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().SaveRuleAsync(
            new ApprovalRuleCommand(null, "Microsoft", 5, ApprovalRuleAction.ApproveAutomatically, SupportOrganization: "Microsoft")));
        var filed = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Contains("Microsoft v1", cut.Find("[data-testid=rule-row]").TextContent), TimeSpan.FromSeconds(10));

        cut.Find("[data-testid=rule-edit]").Click();
        cut.Find("[data-testid=rule-dry-run]").Click();

        cut.WaitForAssertion(() => Assert.Contains("this rule would have decided 1", cut.Find("[data-testid=dry-run]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal("1 × By this rule: approved automatically", cut.Find("[data-testid=dry-run-outcome]").TextContent.Trim());
        Assert.Contains(filed.TicketNumber, cut.Find("[data-testid=dry-run-example]").TextContent);
        Assert.Contains("v2", cut.Find("[data-testid=dry-run-example]").TextContent);
        Assert.Single((await Settings(DemoPersonas.Carol)).Rules, r => r.Version == 1);

        cut.Find("[data-testid=rule-save]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Microsoft v2", cut.Find("[data-testid=rule-row]").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Subscription_approvers_are_listed_for_their_own_tenant_only()
    {
        await As(DemoPersonas.Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().SaveSubscriptionAsync(
            new SubscriptionPolicyCommand(Scenario.Subscription, "Production", 2, [DemoPersonas.Uma.Oid])));
        SignInAs(DemoPersonas.Frank);
        var frank = RenderPage();
        Assert.Empty(frank.FindAll("[data-testid=subscription-row]"));
        Assert.DoesNotContain("Production", frank.Markup);

        SignInAs(DemoPersonas.Carol);
        var carol = RenderPage();
        var row = carol.Find("[data-testid=subscription-row]");
        Assert.Contains("Production", row.TextContent);
        Assert.Contains("Uma Reyes", row.TextContent);
    }
}
