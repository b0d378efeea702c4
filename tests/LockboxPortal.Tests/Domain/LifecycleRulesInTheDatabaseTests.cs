using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace LockboxPortal.Tests.Domain;

/// <summary>
/// The lifecycle's rules are expressions that run in two places: EF Core translates them for the database, and the
/// domain compiles them for memory. On a grid of requests around their deadlines, both places must agree exactly.
/// </summary>
public sealed class LifecycleRulesInTheDatabaseTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();
    private readonly List<AccessRequest> _rows = [];
    private static readonly DateTimeOffset Now = PortalFixture.Start;

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        var ticket = await _f.OpenTicketAsync(LockboxPortal.Infrastructure.Demo.DemoPersonas.Uma);
        var offsets = new[] { TimeSpan.FromHours(-1), TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1) };
        foreach (var status in Enum.GetValues<AccessRequestStatus>())
            foreach (var pending in offsets)
                foreach (var ends in offsets.Cast<TimeSpan?>().Append(null))
                {
                    _rows.Add(new AccessRequest
                    {
                        Id = Guid.NewGuid(), TenantId = ticket.TenantId, TicketId = ticket.Id, TicketNumber = "2611280010000001",
                        EngineerOid = Guid.NewGuid(), EngineerName = "Mia Chen", EngineerEmail = "mia@example.com", SupportOrganization = "Microsoft",
                        Justification = "Grid row", Status = status, CreatedAt = Now.AddDays(-1), PendingUntil = Now + pending,
                        AccessStartsAt = ends is null ? null : Now.AddHours(-2), AccessEndsAt = ends is null ? null : Now + ends, RequestedMinutes = 60,
                    });
                }
        await _f.Db(async db => { db.AccessRequests.AddRange(_rows); return await db.SaveChangesAsync(); });
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Every_effective_status_selects_in_the_database_what_it_reads_in_memory()
    {
        foreach (var status in Enum.GetValues<AccessRequestStatus>())
        {
            var inDatabase = await _f.Db(db => db.AccessRequests.Where(AccessRequestLifecycle.HasStatus(status, Now)).Select(r => r.Id).ToListAsync());
            var inMemory = _rows.Where(r => r.StatusAt(Now) == status).Select(r => r.Id);
            Assert.Equal(inMemory.Order(), inDatabase.Order());
        }
        Assert.Equal(_rows.Count, _rows.Select(r => r.StatusAt(Now)).Count());
    }

    [Fact]
    public async Task Every_event_allows_in_the_database_what_it_allows_in_memory()
    {
        foreach (var @event in Enum.GetValues<LifecycleEvent>())
        {
            var inDatabase = await _f.Db(db => db.AccessRequests.Where(AccessRequestLifecycle.Allows(@event, Now)).Select(r => r.Id).ToListAsync());
            var inMemory = _rows.Where(r => r.Allows(@event, Now)).Select(r => r.Id).ToList();
            Assert.NotEmpty(inMemory);
            Assert.Equal(inMemory.Order(), inDatabase.Order());
        }
    }
}
