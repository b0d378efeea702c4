using Bunit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Transparency;

public sealed class AccessTrailSectionTests : PortalPageTest
{
    private static readonly AccessCheckCaller Gateway = new("contoso-gateway", [ContosoTenant]);
    private const string Vm = Scenario.ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string Payroll = "/subscriptions/" + Scenario.Subscription + "/resourceGroups/payroll-rg";

    private async Task<AccessRequestDto> ApprovedAsync()
    {
        var r = await PendingContosoRequestAsync();
        return await Decide(Carol, c => c.ApproveAsync(r.Id, new ApproveCommand()));
    }

    private Task<AccessEventsReceipt> ReportAsync(params ReportedAccessEvent?[] events) =>
        As(Carol, sp => sp.GetRequiredService<AccessTrailService>().ReportAsync(Gateway, events));

    private IRenderedComponent<RequestDetails> RenderDetails(Guid id)
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return Render<RequestDetails>(p => p.Add(x => x.Id, id));
    }

    [Fact]
    public async Task The_request_page_lists_what_was_accessed_in_time_order_with_anomalies_named_in_words()
    {
        var r = await ApprovedAsync();
        var at = r.AccessStartsAt!.Value;
        Time.Advance(TimeSpan.FromMinutes(10));
        await ReportAsync(
            new("e-2", r.Id, Payroll, "Microsoft.Storage/storageAccounts/listKeys/action", at.AddMinutes(2)),
            new("e-1", r.Id, Vm, "Microsoft.Compute/virtualMachines/read", at.AddMinutes(1)));

        SignInAs(Uma);
        var cut = RenderDetails(r.Id);

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=trail-events] li").Count));
        var lines = cut.FindAll("[data-testid=trail-events] li");
        Assert.Contains("virtualMachines/read", lines[0].TextContent);
        Assert.Equal("trail-event", lines[0].GetAttribute("data-testid"));
        Assert.Equal("trail-anomaly", lines[1].GetAttribute("data-testid"));
        var flag = lines[1].QuerySelector("[data-testid=anomaly-outside-scope]")!;
        Assert.Contains("Anomaly: used outside the approved scope", flag.TextContent);
        Assert.NotNull(flag.QuerySelector("svg"));
        Assert.Contains("2 events reported, 1 anomaly", cut.Find("[data-testid=trail-summary]").TextContent);
    }

    [Fact]
    public async Task An_anomaly_stands_in_the_history_in_the_error_colour_and_its_long_resource_id_wraps_inside_the_card()
    {
        var r = await ApprovedAsync();
        Time.Advance(TimeSpan.FromMinutes(5));
        await ReportAsync(new ReportedAccessEvent("e-1", r.Id, Payroll + "/providers/Microsoft.Storage/storageAccounts/payroll", "Microsoft.Storage/storageAccounts/listKeys/action",
            r.AccessStartsAt!.Value.AddMinutes(1)));

        SignInAs(Carol);
        var cut = RenderDetails(r.Id);

        cut.WaitForAssertion(() => Assert.Contains("Unexpected use of access", cut.Find("[data-testid=history]").TextContent));
        var item = cut.FindAll("[data-testid=history] .mud-timeline-item").Single(i => i.TextContent.Contains("Unexpected use of access"));
        Assert.NotNull(item.QuerySelector("[class*=mud-timeline-dot-error]"));
        var detail = item.QuerySelector(".lb-timeline-detail")!;
        Assert.Contains("storageAccounts/payroll", detail.TextContent);
        // A flag-free step keeps the quiet colour: only what needs attention is red.
        var signed = cut.FindAll("[data-testid=history] .mud-timeline-item").Single(i => i.TextContent.Contains("Access grant signed"));
        Assert.Null(signed.QuerySelector("[class*=mud-timeline-dot-error]"));
    }

    [Fact]
    public async Task A_long_trail_shows_a_page_and_a_show_more_button_that_loads_the_rest()
    {
        var r = await ApprovedAsync();
        Time.Advance(TimeSpan.FromMinutes(100));
        await ReportAsync(Enumerable.Range(0, 60).Select(i => (ReportedAccessEvent?)new ReportedAccessEvent($"e-{i}", r.Id, Vm, $"read {i}", r.AccessStartsAt!.Value.AddMinutes(i))).ToArray());

        SignInAs(Mia);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Equal(AccessTrail.PageSize, cut.FindAll("[data-testid=trail-events] li").Count));
        Assert.Contains("10 left", cut.Find("[data-testid=trail-more]").TextContent);

        await cut.InvokeAsync(() => cut.Find("[data-testid=trail-more]").Click());

        cut.WaitForAssertion(() => Assert.Equal(60, cut.FindAll("[data-testid=trail-events] li").Count));
        Assert.Empty(cut.FindAll("[data-testid=trail-more]"));
        Assert.Contains("read 59", cut.FindAll("[data-testid=trail-events] li")[^1].TextContent);
    }

    [Fact]
    public async Task Without_reports_the_section_says_so()
    {
        var r = await ApprovedAsync();
        SignInAs(Adam);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("No use of this access has been reported", cut.Find("[data-testid=trail-empty]").TextContent));
    }

    [Fact]
    public async Task Another_tenants_administrator_sees_no_trail()
    {
        var r = await ApprovedAsync();
        await ReportAsync(new ReportedAccessEvent("e-1", r.Id, Vm, "secret-action-name", r.AccessStartsAt!.Value));
        SignInAs(Frank);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("not found", cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=access-trail]"));
        Assert.DoesNotContain("secret-action-name", cut.Markup);
    }
}
