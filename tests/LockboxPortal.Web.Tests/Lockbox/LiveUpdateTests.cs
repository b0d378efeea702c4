using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Layout;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Components.Pages.Tickets;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>
/// Each page subscribes to exactly what it shows: counted by the database work a page starts on the renderer
/// (a page's loads) and by the loads the grids and badges share after a change (<see cref="SharedLiveLoads"/>), not by
/// what the test's own setup calls do. Irrelevant changes are published first; the relevant one last, so once it
/// shows, anything earlier would already have been counted.
/// </summary>
public sealed class LiveUpdateTests : PortalPageTest
{
    // After a change the grid's page and its count are read once, off the renderer, for every grid that shows them.
    private long SharedLoads => Services.GetRequiredService<SharedLiveLoads>().LoadCount;

    private int _loads;

    public LiveUpdateTests()
    {
        WrapDbContextFactory(real => new CountingFactory(real, () => { if (Renderer.Dispatcher.CheckAccess()) Interlocked.Increment(ref _loads); }));
        Services.AddSingleton<IWebHostEnvironment>(new Environment()); // the menu reads it; nothing else here does
    }

    private int TakeLoads() => Interlocked.Exchange(ref _loads, 0);

    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    private async Task<AccessRequestDto> FabrikamRequestAsync()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Fiona, "Red Hat");
        return await As(DemoPersonas.Ravi, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(LockboxPortal.Tests.Support.Scenario.Request(ticket.Number)));
    }

    private Task<AccessRequestDto> FileAsync(DemoPersona engineer, string ticketNumber) =>
        As(engineer, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(LockboxPortal.Tests.Support.Scenario.Request(ticketNumber)));

    [Fact]
    public async Task The_ticket_pages_request_list_reloads_only_for_a_change_on_its_own_ticket()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        var otherTicket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<TicketDetails>(p => p.Add(x => x.Id, ticket.Id));
        cut.WaitForAssertion(() => Assert.Contains("No access request has been filed for this ticket.", cut.Markup));
        TakeLoads();

        await FabrikamRequestAsync();
        await FileAsync(DemoPersonas.Mia, otherTicket.Number); // same tenant, another ticket
        var mine = await FileAsync(DemoPersonas.Mia, ticket.Number);

        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Contains(mine.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent);
        Assert.Equal(0, TakeLoads());
        Assert.Equal(1, SharedLoads);
    }

    [Fact]
    public async Task The_blade_is_not_woken_by_another_tenants_change_and_reloads_once_for_its_own()
    {
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<Blade>();
        cut.WaitForAssertion(() => Assert.Contains("No access requests yet", cut.Markup));
        TakeLoads();

        await FabrikamRequestAsync();
        await FabrikamRequestAsync();
        var contoso = await PendingContosoRequestAsync();

        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Contains(contoso.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent);
        Assert.Equal(0, TakeLoads());
        Assert.Equal(1, SharedLoads);
    }

    [Fact]
    public async Task Open_blades_of_a_tenant_showing_the_same_page_share_one_load_after_a_change_and_a_filtered_one_loads_for_itself()
    {
        SignInAs(DemoPersonas.Carol);
        Providers();
        var blades = new[] { Render<Blade>(), Render<Blade>(), Render<Blade>() };
        var filtered = Render<Blade>();
        foreach (var blade in blades.Append(filtered)) blade.WaitForAssertion(() => Assert.Contains("No access requests yet", blade.Markup));
        filtered.Find("[data-testid=status-filter]").Change(nameof(Domain.Lockbox.AccessRequestStatus.Denied));
        filtered.WaitForAssertion(() => Assert.Contains("No request matches the filter.", filtered.Markup));
        TakeLoads();

        var contoso = await PendingContosoRequestAsync();

        foreach (var blade in blades)
        {
            blade.WaitForAssertion(() => Assert.Equal("1–1 of 1", blade.Find("[data-testid=page-range]").TextContent), TimeSpan.FromSeconds(5));
            Assert.Contains(contoso.TicketNumber, blade.Find("[data-testid=request-grid]").TextContent);
        }
        filtered.WaitForAssertion(() => Assert.Equal(2, SharedLoads), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(contoso.TicketNumber, filtered.Markup);
        Assert.Equal(0, TakeLoads()); // no grid loaded for itself
        Assert.Equal(2, SharedLoads); // one for the three alike, one for the filtered one
    }

    [Fact]
    public async Task My_requests_reloads_for_the_engineers_own_changes_only()
    {
        SignInAs(DemoPersonas.Mia);
        Providers();
        var cut = Render<MyRequests>();
        cut.WaitForAssertion(() => Assert.Contains("You have not filed any access request yet", cut.Markup));
        TakeLoads();

        await FabrikamRequestAsync(); // Ravi's
        var mine = await PendingContosoRequestAsync(); // Mia's

        cut.WaitForAssertion(() => Assert.Equal("1–1 of 1", cut.Find("[data-testid=page-range]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Contains(mine.TicketNumber, cut.Find("[data-testid=request-grid]").TextContent);
        Assert.Equal(0, TakeLoads());
        Assert.Equal(1, SharedLoads);
    }

    [Fact]
    public async Task The_request_page_reloads_for_its_own_request_only()
    {
        // Filing tells open pages from the thread pool, after it returns: both filings must have been told before the
        // page subscribes, or a late one would count as a reload of the page (seen on a busy CI machine).
        var filed = 0;
        using (Services.GetRequiredService<IPortalEvents>().Subscribe<AccessRequestChanged>(LiveScope.Tenant(DemoPersonas.ContosoTenant),
                   _ => { Interlocked.Increment(ref filed); return Task.CompletedTask; }))
        {
            var shown = await PendingContosoRequestAsync();
            var other = await PendingContosoRequestAsync();
            await WaitUntilAsync(() => Volatile.Read(ref filed) == 2);
            await ShowsOnlyItsOwnRequestAsync(shown, other);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The setup's changes were not published within 5 s.");
            await Task.Delay(10);
        }
    }

    private async Task ShowsOnlyItsOwnRequestAsync(AccessRequestDto shown, AccessRequestDto other)
    {
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<RequestDetails>(p => p.Add(x => x.Id, shown.Id));
        cut.WaitForAssertion(() => Assert.Contains(shown.TicketNumber, cut.Markup));
        var firstLoad = TakeLoads();
        Assert.True(firstLoad > 0);

        await Decide(DemoPersonas.Carol, s => s.ApproveAsync(other.Id, new ApproveCommand()));
        await FabrikamRequestAsync();
        await Decide(DemoPersonas.Carol, s => s.DenyAsync(shown.Id, new DenyCommand("Not during the freeze.")));

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-status=Denied]")), TimeSpan.FromSeconds(5));
        Assert.Equal(firstLoad, TakeLoads()); // one reload, the same work as the first load
    }

    [Fact]
    public async Task The_menu_marks_its_active_entry_and_describes_the_badge_with_plain_links()
    {
        await PendingContosoRequestAsync();
        var carol = SignInAs(DemoPersonas.Carol);
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/lockbox/requests/" + Guid.NewGuid());

        var one = Render<NavMenu>(p => p.Add(x => x.User, carol));
        var two = Render<NavMenu>(p => p.Add(x => x.User, carol));

        var active = one.Find("a[aria-current=page]");
        Assert.Equal("/lockbox", active.GetAttribute("href"));
        Assert.Contains("active", active.ClassList);
        Assert.Single(one.FindAll("a[aria-current]"));
        Assert.Equal("nav-badge-lockbox", active.GetAttribute("aria-describedby"));
        Assert.Equal("1 pending", one.Find("#nav-badge-lockbox").TextContent);
        Assert.Equal("Customer Lockbox", active.QuerySelector("span")!.TextContent); // the count is a description, not the name
        Assert.Contains(one.FindAll("a.mud-nav-link"), a => a.GetAttribute("href") == "/lockbox/administration/webhooks");
        // Plain links, no component per entry; the second menu (another circuit) shows the same entries.
        Assert.Empty(one.FindComponents<MudNavLink>());
        Assert.Empty(one.FindComponents<MudIcon>());
        Assert.Equal(one.Markup, two.Markup);
    }

    [Fact]
    public async Task The_menu_badge_of_a_customer_counts_again_only_for_the_customers_tenant()
    {
        var carol = SignInAs(DemoPersonas.Carol);
        var cut = Render<NavMenu>(p => p.Add(x => x.User, carol));
        var firstCount = TakeLoads();
        Assert.True(firstCount > 0);

        await FabrikamRequestAsync();
        await PendingContosoRequestAsync();

        cut.WaitForAssertion(() => Assert.Equal(1, SharedLoads), TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=pending-badge]").TextContent), TimeSpan.FromSeconds(5));
        Assert.Equal(0, TakeLoads());
        Assert.Equal(1, SharedLoads);
    }

    private sealed class Environment : IWebHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "LockboxPortal.Web";
        public string WebRootPath { get; set; } = "";
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private sealed class CountingFactory(ILockboxDbContextFactory inner, Action counted) : ILockboxDbContextFactory
    {
        public Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            counted();
            return inner.CreateDbContextAsync(cancellationToken);
        }
    }
}
