using LockboxPortal.Application.Common;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Security;

public sealed class RequestFilingRateLimitTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new(s =>
    {
        s["RateLimits:RequestFiling:PermitLimit"] = "5";
        s["RateLimits:RequestFiling:Window"] = "00:10:00";
    });

    public async Task InitializeAsync() => await _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task An_engineer_over_the_limit_gets_a_clear_refusal_and_nothing_is_filed_until_the_window_passes()
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        for (var i = 0; i < 5; i++) await _f.FileAsync(Mia, Scenario.Request(ticket.Number));

        var ex = await Assert.ThrowsAsync<TooManyRequestsException>(() => _f.FileAsync(Mia, Scenario.Request(ticket.Number)));
        Assert.Contains("filed 5 access requests within 10 minute(s)", ex.Message);
        Assert.Contains("try again in 10 minute(s)", ex.Message);
        Assert.Equal(TimeSpan.FromMinutes(10), ex.RetryAfter);
        Assert.Equal(5, await _f.Db(db => db.AccessRequests.CountAsync()));

        // Invalid attempts count too: probing the validator is as limited as filing.
        _f.Time.Advance(TimeSpan.FromMinutes(4));
        ex = await Assert.ThrowsAsync<TooManyRequestsException>(() => _f.FileAsync(Mia, Scenario.Request("not-a-number")));
        Assert.Contains("try again in 6 minute(s)", ex.Message);

        // Another engineer has their own allowance.
        var redHat = await _f.OpenTicketAsync(Fiona, "Red Hat");
        await _f.FileAsync(Ravi, Scenario.Request(redHat.Number));

        _f.Time.Advance(TimeSpan.FromMinutes(6));
        await _f.FileAsync(Mia, Scenario.Request(ticket.Number));
        Assert.Equal(7, await _f.Db(db => db.AccessRequests.CountAsync()));
    }
}
