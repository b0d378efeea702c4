using LockboxPortal.Domain;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Domain;

public sealed class RowIdsTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Ids_made_a_millisecond_apart_are_version_7_and_sort_as_stored_text_in_the_order_they_were_made()
    {
        var made = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            made.Add(RowIds.New());
            await Task.Delay(2);
        }

        Assert.All(made, id => Assert.Equal(7, id.Version));
        Assert.Equal(5, made.Distinct().Count());
        // SQLite stores a Guid as its upper-case text: that order is the order of creation.
        Assert.Equal(made, made.OrderBy(id => id.ToString().ToUpperInvariant(), StringComparer.Ordinal));
    }

    [Fact]
    public async Task Requests_filed_one_after_another_are_stored_in_the_order_they_were_filed_by_id()
    {
        var filed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            filed.Add((await _f.PendingContosoRequestAsync()).Id);
            await Task.Delay(2);
        }

        var byId = await _f.Db(db => db.AccessRequests.AsNoTracking().Where(r => filed.Contains(r.Id)).OrderBy(r => r.Id).Select(r => r.Id).ToListAsync());
        Assert.Equal(filed, byId);
    }
}
