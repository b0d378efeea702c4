using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

public sealed class FileAccessRequestValidationTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();
    private string _ticket = "";

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        _ticket = (await _f.OpenTicketAsync(Uma)).Number;
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    public static TheoryData<string, string, string> BadJustifications => new()
    {
        { "too short", "short", "at least 10 characters" },
        { "blank", "            ", "at least 10 characters" },
        { "too long", new string('x', 2001), "2000 characters" },
        { "control character", "Need access \u0007 to the logs now", "control characters" },
        { "escape sequence", "Need access \u001b[31m to the logs", "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadJustifications))]
    public async Task A_bad_justification_is_refused_by_its_field_and_nothing_is_stored(string _, string justification, string expected)
    {
        var cmd = Scenario.Request(_ticket) with { Justification = justification };
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, cmd));
        Assert.Contains(expected, string.Join(" ", ex.Errors["Justification"]));
        Assert.Equal(0, await _f.Db(db => db.AccessRequests.CountAsync()));
    }

    [Fact]
    public async Task A_multi_line_justification_is_accepted()
    {
        var r = await _f.FileAsync(Mia, Scenario.Request(_ticket) with { Justification = "Line one of the reason.\r\nLine two with\tdetail." });
        Assert.Equal(AccessRequestStatus.CustomerNotified, r.Status);
    }

    public static TheoryData<string> BadResourceIds =>
    [
        "not-a-resource-id",
        "/subscriptions/not-a-guid/resourceGroups/rg",
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/ends-with-period.",
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/" + new string('a', 91),
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/rg'; DROP TABLE AccessRequests;--",
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/rg/providers/Microsoft.Compute",
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/other-subscription",
    ];

    [Theory]
    [MemberData(nameof(BadResourceIds))]
    public async Task A_malformed_or_foreign_resource_id_is_refused(string resourceId)
    {
        var cmd = Scenario.Request(_ticket) with { ResourceIds = [resourceId] };
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, cmd));
        Assert.Contains(ex.Errors.Keys, k => k.StartsWith("ResourceIds"));
        Assert.Equal(0, await _f.Db(db => db.AccessRequests.CountAsync()));
    }

    [Fact]
    public async Task A_resource_id_down_to_a_single_resource_is_accepted()
    {
        var id = Scenario.ResourceGroup + "/providers/Microsoft.RedHatOpenShift/openShiftClusters/aro-prod-01";
        var r = await _f.FileAsync(Mia, Scenario.Request(_ticket) with { ResourceIds = [id] });
        Assert.Equal([id], r.ResourceIds);
    }

    [Fact]
    public async Task Too_many_resource_ids_are_refused()
    {
        var ids = Enumerable.Range(0, 21).Select(i => $"{Scenario.ResourceGroup}{i}").ToList();
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, Scenario.Request(_ticket) with { ResourceIds = ids }));
        Assert.Contains("at most 20", ex.Message);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(24 * 60 + 1)]
    [InlineData(-60)]
    public async Task A_duration_out_of_bounds_is_refused(int minutes)
    {
        var ex = await Assert.ThrowsAsync<InputValidationException>(() =>
            _f.FileAsync(Mia, Scenario.Request(_ticket, TimeSpan.FromMinutes(minutes))));
        Assert.Contains("between 30 minutes and 24 hours", string.Join(" ", ex.Errors["Duration"]));
    }

    [Theory]
    [InlineData("123")]
    [InlineData("26112800000000AB")]
    [InlineData("")]
    public async Task A_malformed_ticket_number_is_refused(string number)
    {
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, Scenario.Request(number)));
        Assert.Contains("16-digit", string.Join(" ", ex.Errors["TicketNumber"]));
    }

    [Fact]
    public async Task An_unknown_ticket_is_refused_with_a_message_by_the_ticket_field()
    {
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, Scenario.Request("2611289999999999")));
        Assert.Contains("No ticket 2611289999999999 is assigned to you", ex.Errors["TicketNumber"].Single());
    }

    [Fact]
    public async Task Tenant_scope_takes_no_subscription_and_subscription_scope_needs_one()
    {
        var tenantWithSub = Scenario.Request(_ticket) with { ScopeKind = AccessScopeKind.Tenant, ResourceIds = [] };
        var ex1 = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, tenantWithSub));
        Assert.Contains("SubscriptionId", ex1.Errors.Keys);

        var subWithout = Scenario.Request(_ticket) with { SubscriptionId = null };
        var ex2 = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, subWithout));
        Assert.Contains("SubscriptionId", ex2.Errors.Keys);

        var tenantWide = await _f.FileAsync(Mia, tenantWithSub with { SubscriptionId = null });
        Assert.Equal(AccessScopeKind.Tenant, tenantWide.ScopeKind);
    }
}
