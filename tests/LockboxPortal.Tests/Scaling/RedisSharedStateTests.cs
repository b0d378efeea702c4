using LockboxPortal.Application.Common;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Events;
using LockboxPortal.Infrastructure.Scaling;
using LockboxPortal.Tests.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LockboxPortal.Tests.Scaling;

/// <summary>Two instances on one database and a real redis-server: what one does, the other sees.</summary>
public sealed class RedisSharedStateTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private TwoInstances _portal = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _portal = await TwoInstances.StartAsync(_redis, s =>
        {
            s["RateLimits:RequestFiling:PermitLimit"] = "3";
            s["RateLimits:RequestFiling:Window"] = "00:10:00";
        });
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static IPortalEvents Events(PortalFixture instance) => instance.Services.GetRequiredService<IPortalEvents>();

    private static AccessRequestChanged Change(Guid tenant, Guid? request = null) =>
        new(request ?? Guid.NewGuid(), tenant, Guid.NewGuid(), Guid.NewGuid(), "CustomerNotified");

    [Fact]
    public void With_Redis_configured_the_instances_use_the_Redis_notifier_and_stores()
    {
        Assert.IsType<RedisPortalEvents>(Events(_portal.A));
        Assert.IsType<RedisRateLimitStore>(_portal.A.Services.GetRequiredService<IRateLimitStore>());
        Assert.IsType<RedisEndedSessionStore>(_portal.B.Services.GetRequiredService<IEndedSessionStore>());
    }

    [Fact]
    public async Task A_request_filed_on_one_instance_reaches_a_page_of_its_tenant_on_the_other()
    {
        var page = new LiveInbox();
        using var _ = page.Subscribe(Events(_portal.B), LiveScope.Tenant(DemoPersonas.ContosoTenant));
        await TwoInstances.WaitForListenersAsync(_portal.B, LiveScope.Tenant(DemoPersonas.ContosoTenant).ToString());

        var filed = await _portal.A.PendingContosoRequestAsync();

        var expected = new AccessRequestChanged(filed.Id, filed.TenantId, filed.TicketId, filed.EngineerOid, "CustomerNotified");
        await page.WaitForAsync(expected);
        Assert.Equal([expected], page.Received);
    }

    [Fact]
    public async Task Delivery_across_instances_is_scoped_and_each_instance_listens_only_to_the_scopes_its_pages_show()
    {
        var request = Guid.NewGuid();
        var (contosoPage, requestPage) = (new LiveInbox(), new LiveInbox());
        using var t = contosoPage.Subscribe(Events(_portal.B), LiveScope.Tenant(DemoPersonas.ContosoTenant));
        using var r = requestPage.Subscribe(Events(_portal.B), LiveScope.Request(request));
        await TwoInstances.WaitForListenersAsync(_portal.B, LiveScope.Tenant(DemoPersonas.ContosoTenant).ToString());
        await TwoInstances.WaitForListenersAsync(_portal.B, LiveScope.Request(request).ToString());
        var fabrikam = Change(DemoPersonas.FabrikamTenant);
        var contoso = Change(DemoPersonas.ContosoTenant);
        var shown = Change(DemoPersonas.ContosoTenant, request);

        Events(_portal.A).Publish(fabrikam);
        Events(_portal.A).Publish(contoso);
        Events(_portal.A).Publish(shown);

        // Redis runs a subscription's handlers concurrently, so the two Contoso changes may arrive in either order:
        // wait for both before reading what arrived.
        await contosoPage.WaitForAsync(contoso);
        await contosoPage.WaitForAsync(shown);
        await requestPage.WaitForAsync(shown);
        Assert.Equal([contoso, shown], contosoPage.Received.OrderBy(c => c == shown));
        Assert.Equal([shown], requestPage.Received);
        await AssertNoListenersAsync(LiveScope.Tenant(DemoPersonas.FabrikamTenant));
    }

    [Fact]
    public async Task The_publishing_instance_delivers_to_its_own_pages_once_and_a_closed_page_unsubscribes_its_channel()
    {
        var page = new LiveInbox();
        var subscription = page.Subscribe(Events(_portal.A), LiveScope.Tenant(DemoPersonas.ContosoTenant));
        await TwoInstances.WaitForListenersAsync(_portal.A, LiveScope.Tenant(DemoPersonas.ContosoTenant).ToString());
        var own = Change(DemoPersonas.ContosoTenant);
        var others = Change(DemoPersonas.ContosoTenant);

        Events(_portal.A).Publish(own);
        Events(_portal.B).Publish(others); // arrives through Redis, after A's own echo would have

        await page.WaitForAsync(others);
        Assert.Equal([own, others], page.Received);

        subscription.Dispose();
        await AssertNoListenersAsync(LiveScope.Tenant(DemoPersonas.ContosoTenant));
    }

    [Fact]
    public async Task With_Redis_killed_publishing_does_not_throw_readiness_says_degraded_once_logged_and_delivery_resumes_when_it_returns()
    {
        var page = new LiveInbox();
        using var _ = page.Subscribe(Events(_portal.B), LiveScope.Tenant(DemoPersonas.ContosoTenant));
        var local = new LiveInbox();
        using var __ = local.Subscribe(Events(_portal.A), LiveScope.Tenant(DemoPersonas.ContosoTenant));
        await TwoInstances.WaitForListenersAsync(_portal.B, LiveScope.Tenant(DemoPersonas.ContosoTenant).ToString(), count: 2);
        var redisA = _portal.A.Services.GetRequiredService<RedisConnection>();

        await _redis.KillAsync();
        await WaitUntilAsync(() => !redisA.IsAvailable, "A to notice Redis is gone");
        var duringOutage = Change(DemoPersonas.ContosoTenant);
        for (var i = 0; i < 3; i++) Events(_portal.A).Publish(i == 0 ? duringOutage : Change(DemoPersonas.ContosoTenant));
        var filedDuringOutage = await _portal.A.PendingContosoRequestAsync(); // the rate limiter and the service keep working

        await local.WaitForAsync(duringOutage); // this instance's own pages still get its changes
        var health = await ReadyAsync(_portal.A);
        Assert.Equal(HealthStatus.Degraded, health.Entries["redis"].Status);
        Assert.Contains("Redis unreachable", health.Entries["redis"].Description);
        Assert.Equal(HealthStatus.Healthy, health.Entries["database"].Status);
        Assert.Equal(1, _portal.A.Logs.Lines.Count(l => l.Contains("Redis is unreachable")));
        Assert.NotEqual(Guid.Empty, filedDuringOutage.Id);

        await _redis.StartAsync();
        await WaitUntilAsync(() => redisA.IsAvailable && _portal.B.Services.GetRequiredService<RedisConnection>().IsAvailable, "both instances to reconnect", 30);
        await TwoInstances.WaitForListenersAsync(_portal.B, LiveScope.Tenant(DemoPersonas.ContosoTenant).ToString(), count: 2);
        var after = Change(DemoPersonas.ContosoTenant);
        Events(_portal.A).Publish(after);

        await page.WaitForAsync(after);
        // What A published while Redis was down may reach B late (the client's backlog) or not at all; either way B's
        // pages reload on the next change, so the test asserts only that delivery resumes.
        Assert.Equal(HealthStatus.Healthy, (await ReadyAsync(_portal.A)).Entries["redis"].Status);
        Assert.Contains(_portal.A.Logs.Lines, l => l.Contains("Redis is reachable again"));
    }

    [Fact]
    public async Task A_session_ended_on_one_instance_is_ended_on_the_other_and_its_circuits_hear_of_it()
    {
        var storeA = _portal.A.Services.GetRequiredService<IEndedSessionStore>();
        var storeB = _portal.B.Services.GetRequiredService<IEndedSessionStore>();
        var heardOnB = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        storeB.Ended += id => heardOnB.TrySetResult(id);
        await WaitForSessionListenersAsync(2);
        var signedOut = Guid.NewGuid().ToString("N");
        var stillIn = Guid.NewGuid().ToString("N");

        await storeA.EndAsync(signedOut, TimeSpan.FromHours(9));

        Assert.True(await storeB.IsEndedAsync(signedOut));
        Assert.False(await storeB.IsEndedAsync(stillIn));
        Assert.Equal(signedOut, await heardOnB.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_filing_rate_limit_counts_across_instances()
    {
        var tickets = new List<string>();
        for (var i = 0; i < 4; i++) tickets.Add((await _portal.A.OpenTicketAsync(DemoPersonas.Uma)).Number);

        await _portal.A.FileAsync(DemoPersonas.Mia, Scenario.Request(tickets[0]));
        await _portal.B.FileAsync(DemoPersonas.Mia, Scenario.Request(tickets[1]));
        await _portal.A.FileAsync(DemoPersonas.Mia, Scenario.Request(tickets[2]));

        var refused = await Assert.ThrowsAsync<TooManyRequestsException>(() => _portal.B.FileAsync(DemoPersonas.Mia, Scenario.Request(tickets[3])));
        Assert.Contains("filed 3 access requests within 10 minute(s)", refused.Message);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        Assert.Equal(3, await _portal.A.Db(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.AccessRequests)));
    }

    private async Task AssertNoListenersAsync(LiveScope scope)
    {
        var redis = _portal.A.Services.GetRequiredService<RedisConnection>();
        var channel = redis.Prefix + "live:" + scope;
        for (var i = 0; i < 100; i++)
        {
            var reply = (StackExchange.Redis.RedisResult[])(await redis.Multiplexer.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
            if ((long)reply[1] == 0) return;
            await Task.Delay(50);
        }
        Assert.Fail($"{channel} still has listeners.");
    }

    private async Task WaitForSessionListenersAsync(int count)
    {
        var redis = _portal.A.Services.GetRequiredService<RedisConnection>();
        for (var i = 0; i < 300; i++)
        {
            var reply = (StackExchange.Redis.RedisResult[])(await redis.Multiplexer.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", redis.Prefix + "sessions:ended"))!;
            if ((long)reply[1] >= count) return;
            await Task.Delay(50);
        }
        Assert.Fail("The instances did not subscribe to ended sessions.");
    }

    private static Task<HealthReport> ReadyAsync(PortalFixture instance) =>
        instance.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"));

    private static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 10)
    {
        for (var i = 0; i < seconds * 20 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), $"Timed out waiting for {what}.");
    }
}
