using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

public sealed class RequestListingTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();
    private readonly List<AccessRequestDto> _filed = [];

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        var ticket = await _f.OpenTicketAsync(Uma);
        for (var i = 0; i < 12; i++)
        {
            _filed.Add(await _f.FileAsync(Mia, Scenario.Request(ticket.Number)));
            _f.Time.Advance(TimeSpan.FromMinutes(1));
        }
        await _f.Lockbox(Carol, s => s.DenyAsync(_filed[3].Id, new DenyCommand("Not now.")));
        await _f.Lockbox(Carol, s => s.ApproveAsync(_filed[5].Id, new ApproveCommand()));
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<RequestPage> List(RequestListQuery q) => _f.As(Carol, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(q));

    [Fact]
    public async Task The_first_page_is_newest_first_with_the_total()
    {
        var page = await List(new RequestListQuery { PageSize = 5 });
        Assert.Equal(12, page.TotalCount);
        Assert.Equal(_filed.AsEnumerable().Reverse().Take(5).Select(r => r.Id), page.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Keyset_pages_walk_forward_and_back_without_gaps_or_repeats()
    {
        var seen = new List<Guid>();
        var page = await List(new RequestListQuery { PageSize = 5 });
        var pages = new List<RequestPage> { page };
        seen.AddRange(page.Items.Select(r => r.Id));
        while (page.Items.Count == 5)
        {
            page = await List(new RequestListQuery { PageSize = 5, After = page.Last, IncludeTotal = false });
            pages.Add(page);
            seen.AddRange(page.Items.Select(r => r.Id));
        }
        Assert.Equal(_filed.AsEnumerable().Reverse().Select(r => r.Id), seen);

        var back = await List(new RequestListQuery { PageSize = 5, Before = pages[2].First });
        Assert.Equal(pages[1].Items.Select(r => r.Id), back.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task Status_filter_uses_the_effective_status_and_counts_it()
    {
        var denied = await List(new RequestListQuery { Status = AccessRequestStatus.Denied });
        Assert.Equal(_filed[3].Id, Assert.Single(denied.Items).Id);
        Assert.Equal(1, denied.TotalCount);

        var pending = await List(new RequestListQuery { Status = AccessRequestStatus.CustomerNotified });
        Assert.Equal(10, pending.TotalCount);

        _f.Time.Advance(TimeSpan.FromDays(5));
        var expired = await List(new RequestListQuery { Status = AccessRequestStatus.Expired });
        Assert.Equal(10, expired.TotalCount);
        Assert.All(expired.Items, r => Assert.Equal(AccessRequestStatus.Expired, r.Status));
        Assert.Equal(0, (await List(new RequestListQuery { Status = AccessRequestStatus.CustomerNotified })).TotalCount);
        Assert.Equal(_filed[5].Id, Assert.Single((await List(new RequestListQuery { Status = AccessRequestStatus.Completed })).Items).Id);
    }

    [Fact]
    public async Task Search_finds_by_ticket_number_prefix_and_engineer_name_case_insensitively()
    {
        var byTicket = await List(new RequestListQuery { Search = _filed[0].TicketNumber[..10] });
        Assert.Equal(12, byTicket.TotalCount);
        var byEngineer = await List(new RequestListQuery { Search = "mia c" });
        Assert.Equal(12, byEngineer.TotalCount);
        var none = await List(new RequestListQuery { Search = "ravi" });
        Assert.Equal(0, none.TotalCount);
        var wildcard = await List(new RequestListQuery { Search = "%" });
        Assert.Equal(0, wildcard.TotalCount);
    }

    [Fact]
    public async Task Sorting_by_status_and_paging_by_index_work_in_the_database()
    {
        var page = await List(new RequestListQuery { SortBy = RequestSort.Status, Descending = false, PageSize = 100 });
        Assert.Equal(page.Items.Select(r => (int)r.Status).Order(), page.Items.Select(r => (int)r.Status));
        var second = await List(new RequestListQuery { Page = 1, PageSize = 5 });
        Assert.Equal(_filed.AsEnumerable().Reverse().Skip(5).Take(5).Select(r => r.Id), second.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task The_pending_badge_counts_only_live_pending_requests()
    {
        Assert.Equal(10, await _f.As(Adam, sp => sp.GetRequiredService<LockboxQueries>().CountPendingAsync()));
        _f.Time.Advance(TimeSpan.FromDays(4));
        Assert.Equal(0, await _f.As(Adam, sp => sp.GetRequiredService<LockboxQueries>().CountPendingAsync()));
    }
}
