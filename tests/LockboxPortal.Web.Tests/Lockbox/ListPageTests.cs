using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Components.Pages.Tickets;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

public sealed class ListPageTests : PortalPageTest
{
    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task The_blade_lists_the_tenants_requests_with_product_status_names_and_nothing_of_other_tenants()
    {
        var contoso = await PendingContosoRequestAsync();
        var fabrikamTicket = await OpenTicketAsync(DemoPersonas.Fiona, "Red Hat");
        var fabrikam = await As(DemoPersonas.Ravi, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(LockboxPortal.Tests.Support.Scenario.Request(fabrikamTicket.Number)));
        SignInAs(DemoPersonas.Adam);
        Providers();

        var cut = Render<Blade>();

        cut.WaitForAssertion(() => Assert.Contains(contoso.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent));
        Assert.DoesNotContain(fabrikam.TicketNumber, cut.Markup);
        Assert.Contains("Customer Notified", cut.Find("[data-status=CustomerNotified]").TextContent);
        Assert.Empty(cut.FindAll("a[href='/lockbox/administration']"));
    }

    [Theory]
    [InlineData(0, true)]    // the circuit right after its prerender: the page it carried, no query
    [InlineData(31, false)]  // a page restored from the browser's cache: too old, the grid asks the database
    public async Task The_interactive_blade_takes_the_prerendered_page_from_the_persisted_state_once_unless_it_is_stale(int ageSeconds, bool used)
    {
        // A stale page must give way to the database's: one request is there for it. A fresh page must be shown as
        // carried: the database then holds no Contoso request, so its row can only come from the carried page (and no
        // filing's live change can reload the grid meanwhile).
        var inDatabase = used ? null : await PendingContosoRequestAsync();
        var prerendered = new RequestGrid.Row(Guid.NewGuid(), "PRERENDERED-0001", "Pre Rendered", "Microsoft", "Contoso",
            LockboxPortal.Domain.Lockbox.AccessRequestStatus.CustomerNotified, Time.GetUtcNow(), TimeSpan.FromHours(8), null, null, null);
        var key = RequestGrid.SnapshotKeyFor(DemoPersonas.ContosoTenant, null, null);
        PersistedState.Persist(key, new RequestGrid.GridSnapshot([prerendered], 1, null, null, Time.GetUtcNow().AddSeconds(-ageSeconds), null));
        SignInAs(DemoPersonas.Carol);
        Providers();

        var cut = Render<Blade>();

        if (used)
        {
            cut.WaitForAssertion(() => Assert.Contains(prerendered.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent));
            Assert.Single(cut.FindAll("[data-testid=request-grid] tr.lb-row"));
        }
        else
        {
            cut.WaitForAssertion(() => Assert.Contains(inDatabase!.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent));
            Assert.DoesNotContain(prerendered.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent);
        }
        // Taken, not kept: the circuit holds the rows once (as the grid's shared rows), not a second copy in the state.
        Assert.False(PersistedState.TryTake<RequestGrid.GridSnapshot>(key, out _));
    }

    [Fact]
    public async Task A_rows_cells_are_one_markup_string_with_every_value_encoded_and_a_link_to_its_request()
    {
        var r = await PendingContosoRequestAsync();
        const string hostile = "<img src=x onerror=alert(1)> O'Brien & \"Co\"";
        var factory = Services.GetRequiredService<LockboxPortal.Application.Persistence.ILockboxDbContextFactory>();
        await using (var db = await factory.CreateDbContextAsync())
            await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
                db.AccessRequests.Where(x => x.Id == r.Id), u => u.SetProperty(x => x.EngineerName, hostile));
        SignInAs(DemoPersonas.Carol);
        Providers();

        var cut = Render<Blade>();

        cut.WaitForAssertion(() => Assert.Contains(r.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent));
        var row = cut.Find($"tr.lb-row[data-href='/lockbox/requests/{r.Id}']");
        Assert.Empty(row.QuerySelectorAll("img")); // the name is text, not markup
        Assert.Contains(hostile, row.TextContent);
        Assert.Equal($"/lockbox/requests/{r.Id}", row.QuerySelector("a.lb-grid-link")!.GetAttribute("href"));
        Assert.Equal(r.TicketNumber, row.QuerySelector("a.lb-grid-link")!.TextContent);
        Assert.Equal("Customer Notified", row.QuerySelector("[data-status=CustomerNotified]")!.TextContent);
        Assert.Equal(6, row.QuerySelectorAll("td").Length);
    }

    [Fact]
    public async Task The_blade_shows_its_administration_link_and_filter_options_as_markup_without_MudBlazor_components()
    {
        await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        Providers();

        var cut = Render<Blade>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("tr.lb-row")));
        // What every blade circuit kept as components is markup now: the header's link, the grid's rows and options.
        Assert.Empty(cut.FindComponents<MudButton>());
        Assert.Empty(cut.FindComponents<MudIcon>());
        var link = cut.Find("a[href='/lockbox/administration']");
        Assert.Equal("Administration", link.TextContent);
        Assert.Contains("mud-button-outlined", link.ClassName);
        Assert.Equal(["", .. Enum.GetNames<LockboxPortal.Domain.Lockbox.AccessRequestStatus>()],
            cut.FindAll("[data-testid=status-filter] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("Customer Notified", cut.Find("[data-testid=status-filter] option[value=CustomerNotified]").TextContent);
        Assert.Equal(["10", "25", "50", "100"], cut.FindAll("[data-testid=page-size] option").Select(o => o.GetAttribute("value")));
        Assert.Equal(["", "Microsoft", "Red Hat"], cut.FindAll("[data-testid=organization-filter] option").Select(o => o.GetAttribute("value")));
    }

    [Fact]
    public void Equal_rows_read_by_two_grids_are_one_shared_instance()
    {
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        RequestGrid.Row Read() => new(id, new string("LB-1".AsSpan()), new string("Mia Kim".AsSpan()), "Microsoft", "Contoso",
            LockboxPortal.Domain.Lockbox.AccessRequestStatus.CustomerNotified, now, TimeSpan.FromHours(4), now.AddHours(1), null, "0 of 1");

        var first = RequestGrid.Row.Shared(Read());
        var second = RequestGrid.Row.Shared(Read());
        var changed = RequestGrid.Row.Shared(Read() with { Status = LockboxPortal.Domain.Lockbox.AccessRequestStatus.Approved });

        Assert.Same(first, second);
        Assert.NotSame(first, changed);
        Assert.Equal(LockboxPortal.Domain.Lockbox.AccessRequestStatus.Approved, changed.Status);
    }

    [Fact]
    public async Task A_new_request_appears_on_an_open_blade_without_a_reload()
    {
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Contains("No access requests yet", cut.Markup));

        var r = await PendingContosoRequestAsync();

        cut.WaitForAssertion(() => Assert.Contains(r.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Single(cut.FindAll("a[href='/lockbox/administration']"));
    }

    [Fact]
    public async Task The_blade_pages_by_keyset_counts_after_the_rows_and_sorts_by_a_header()
    {
        var filed = new List<AccessRequestDto>();
        for (var i = 0; i < 12; i++) filed.Add(await PendingContosoRequestAsync());
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Equal("1–12 of 12", cut.Find("[data-testid=page-range]").TextContent));
        string[] Tickets() => cut.FindAll("[data-testid=request-grid] tbody a.lb-grid-link").Select(a => a.TextContent).ToArray();

        cut.Find("select[data-testid=page-size]").Change("10");
        cut.WaitForAssertion(() => Assert.Equal("1–10 of 12", cut.Find("[data-testid=page-range]").TextContent));
        var first = Tickets();
        var created = filed.ToDictionary(r => r.TicketNumber, r => r.CreatedAt);
        Assert.Equal(first.OrderByDescending(t => created[t]), first); // newest first
        Assert.True(cut.Find("button[aria-label='Previous page']").HasAttribute("disabled"));

        cut.Find("button[aria-label='Next page']").Click();
        cut.WaitForAssertion(() => Assert.Equal("11–12 of 12", cut.Find("[data-testid=page-range]").TextContent));
        var second = Tickets();
        Assert.Equal(2, second.Length);
        Assert.Equal(filed.Select(r => r.TicketNumber).Order(), first.Concat(second).Order()); // every request once, none twice
        Assert.True(cut.Find("button[aria-label='Next page']").HasAttribute("disabled"));

        cut.Find("button[aria-label='Previous page']").Click();
        cut.WaitForAssertion(() => Assert.Equal(first, Tickets()));

        cut.FindAll("th button.lb-sort").Single(b => b.TextContent.Contains("Ticket")).Click();
        cut.WaitForAssertion(() => Assert.Equal(filed.Select(r => r.TicketNumber).Order(StringComparer.Ordinal).Take(10), Tickets()));
        Assert.Equal("ascending", cut.FindAll("th").Single(th => th.TextContent.Contains("Ticket")).GetAttribute("aria-sort"));
    }

    [Fact]
    public async Task The_status_filter_and_the_debounced_search_narrow_the_blade()
    {
        var pending = await PendingContosoRequestAsync();
        var toApprove = await PendingContosoRequestAsync();
        var approved = await Decide(DemoPersonas.Carol, s => s.ApproveAsync(toApprove.Id, new ApproveCommand()));
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));

        cut.Find("select[data-testid=status-filter]").Change("Approved");
        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Contains(approved.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
        Assert.DoesNotContain(pending.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);

        cut.Find("select[data-testid=status-filter]").Change("Denied");
        cut.WaitForAssertion(() => Assert.Contains("No request matches the filter.", cut.Find("[data-testid=request-grid] tbody").TextContent));

        cut.Find("select[data-testid=status-filter]").Change("");
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));

        cut.Find("input[data-testid=search]").Input(pending.TicketNumber);
        Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent); // nothing until the typing pauses
        Time.Advance(TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Contains(pending.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
    }

    [Fact]
    public async Task The_search_matches_the_justification_and_a_resource_id()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        var other = await PendingContosoRequestAsync();
        var nodes = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(new FileAccessRequestCommand(
            ticket.Number, Domain.Lockbox.AccessScopeKind.Subscription, LockboxPortal.Tests.Support.Scenario.Subscription,
            ["/subscriptions/" + LockboxPortal.Tests.Support.Scenario.Subscription + "/resourceGroups/aro-nodes-rg"],
            "Inspect the kubelet journal on the worker nodes after the etcd defragmentation.", null)));
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));

        foreach (var term in new[] { "ETCD DEFRAG", "aro-nodes-rg" })
        {
            cut.Find("input[data-testid=search]").Input(term);
            Time.Advance(TimeSpan.FromMilliseconds(300));
            cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent));
            Assert.Contains(nodes.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
            Assert.DoesNotContain(other.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
        }

        cut.Find("input[data-testid=search]").Input("100%_");
        Time.Advance(TimeSpan.FromMilliseconds(300));
        cut.WaitForAssertion(() => Assert.Contains("No request matches the filter.", cut.Find("[data-testid=request-grid] tbody").TextContent));
    }

    [Fact]
    public async Task The_support_organization_filter_narrows_the_blade_and_ignores_unknown_names()
    {
        var microsoft = await PendingContosoRequestAsync();
        var redHatTicket = await OpenTicketAsync(DemoPersonas.Uma, "Red Hat");
        var redHat = await As(DemoPersonas.Ravi, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(LockboxPortal.Tests.Support.Scenario.Request(redHatTicket.Number)));
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Equal(["", "Microsoft", "Red Hat"], cut.FindAll("select[data-testid=organization-filter] option").Select(o => o.GetAttribute("value")));

        cut.Find("select[data-testid=organization-filter]").Change("Red Hat");
        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent));
        Assert.Contains(redHat.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);
        Assert.DoesNotContain(microsoft.TicketNumber, cut.Find("[data-testid=request-grid] tbody").TextContent);

        cut.Find("select[data-testid=organization-filter]").Change("Evil Corp");
        cut.WaitForAssertion(() => Assert.Equal("1–2 of 2", cut.Find("[data-testid=page-range]").TextContent));
    }

    [Fact]
    public async Task An_engineer_filtering_by_another_organization_still_sees_only_their_own_requests()
    {
        var mine = await PendingContosoRequestAsync();
        var page = await As(DemoPersonas.Ravi, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery { SupportOrganization = "Microsoft" }));
        Assert.Empty(page.Items);
        var own = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery { SupportOrganization = "Microsoft" }));
        Assert.Equal(mine.Id, Assert.Single(own.Items).Id);
    }

    [Fact]
    public async Task The_status_chip_names_every_state_as_the_product_does()
    {
        foreach (var status in Enum.GetValues<Domain.Lockbox.AccessRequestStatus>())
        {
            var chip = Render<StatusChip>(p => p.Add(x => x.Status, status));
            Assert.Equal(status == Domain.Lockbox.AccessRequestStatus.CustomerNotified ? "Customer Notified" : status.ToString(), chip.Find("span").TextContent);
        }
        await Task.CompletedTask;
    }

    [Fact]
    public async Task An_engineer_sees_only_their_own_requests_on_My_requests()
    {
        var mine = await PendingContosoRequestAsync();
        var fabrikamTicket = await OpenTicketAsync(DemoPersonas.Fiona, "Red Hat");
        var ravis = await As(DemoPersonas.Ravi, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(LockboxPortal.Tests.Support.Scenario.Request(fabrikamTicket.Number)));
        SignInAs(DemoPersonas.Mia);
        Providers();

        var cut = Render<MyRequests>();

        cut.WaitForAssertion(() => Assert.Contains(mine.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent));
        Assert.DoesNotContain(ravis.TicketNumber, cut.Markup);
        Assert.Contains("Contoso", cut.Markup);
    }

    [Fact]
    public async Task Ticket_details_offer_request_access_only_to_the_assigned_engineer()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        Providers();

        SignInAs(DemoPersonas.Mia);
        var mia = Render<TicketDetails>(p => p.Add(x => x.Id, ticket.Id));
        mia.WaitForAssertion(() => Assert.Single(mia.FindAll("[data-testid=request-access]")));

        SignInAs(DemoPersonas.Uma);
        var uma = Render<TicketDetails>(p => p.Add(x => x.Id, ticket.Id));
        uma.WaitForAssertion(() => Assert.Contains(ticket.Title, uma.Markup));
        Assert.Empty(uma.FindAll("[data-testid=request-access]"));

        SignInAs(DemoPersonas.Frank);
        var frank = Render<TicketDetails>(p => p.Add(x => x.Id, ticket.Id));
        frank.WaitForAssertion(() => Assert.Contains("Ticket not found", frank.Markup));
        Assert.DoesNotContain(ticket.Title, frank.Markup);
    }

    [Fact]
    public async Task The_customer_ticket_list_shows_the_tenants_tickets()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        var other = await OpenTicketAsync(DemoPersonas.Fiona, "Red Hat");
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<TicketList>();
        cut.WaitForAssertion(() => Assert.Contains(ticket.Number, cut.Find("[data-testid=ticket-grid]").TextContent));
        Assert.DoesNotContain(other.Number, cut.Markup);
        Assert.Contains("Mia Chen", cut.Markup);
    }
}
