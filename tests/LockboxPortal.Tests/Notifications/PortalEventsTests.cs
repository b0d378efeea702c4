using LockboxPortal.Application.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Events;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Tests.Notifications;

/// <summary>The in-process notifier delivers a change only to the subscriptions of the scopes it names.</summary>
public sealed class PortalEventsTests
{
    private static readonly Guid Contoso = DemoPersonas.ContosoTenant;
    private static readonly Guid Fabrikam = DemoPersonas.FabrikamTenant;

    private readonly CapturingLoggerProvider _logs = new();
    private readonly InProcessPortalEvents _events;

    public PortalEventsTests() =>
        _events = new InProcessPortalEvents(LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<InProcessPortalEvents>());

    private static AccessRequestChanged Change(Guid tenant, Guid? engineer = null, Guid? request = null, Guid? ticket = null) =>
        new(request ?? Guid.NewGuid(), tenant, ticket ?? Guid.NewGuid(), engineer ?? Guid.NewGuid(), "CustomerNotified");

    [Fact]
    public async Task A_Fabrikam_change_is_never_delivered_to_a_Contoso_subscription()
    {
        var contosoPage = new LiveInbox();
        using var _ = contosoPage.Subscribe(_events, LiveScope.Tenant(Contoso));
        var fabrikam = Change(Fabrikam);
        var contoso = Change(Contoso);

        _events.Publish(fabrikam);
        _events.Publish(new TenantSettingsChanged(Fabrikam));
        _events.Publish(contoso);

        await contosoPage.WaitForAsync(contoso);
        Assert.Equal([contoso], contosoPage.Received);
    }

    [Fact]
    public async Task Engineer_request_and_ticket_subscriptions_get_only_their_own_changes()
    {
        var engineer = Guid.NewGuid();
        var request = Guid.NewGuid();
        var ticket = Guid.NewGuid();
        var (byEngineer, byRequest, byTicket) = (new LiveInbox(), new LiveInbox(), new LiveInbox());
        using var e = byEngineer.Subscribe(_events, LiveScope.Engineer(engineer));
        using var r = byRequest.Subscribe(_events, LiveScope.Request(request));
        using var t = byTicket.Subscribe(_events, LiveScope.Ticket(ticket));
        var others = new[] { Change(Contoso), Change(Contoso), Change(Fabrikam) };
        var engineers = Change(Contoso, engineer: engineer);
        var requests = Change(Contoso, request: request);
        var tickets = Change(Contoso, ticket: ticket);

        foreach (var change in others.Append(engineers).Append(requests).Append(tickets)) _events.Publish(change);

        await byEngineer.WaitForAsync(engineers);
        await byRequest.WaitForAsync(requests);
        await byTicket.WaitForAsync(tickets);
        Assert.Equal([engineers], byEngineer.Received);
        Assert.Equal([requests], byRequest.Received);
        Assert.Equal([tickets], byTicket.Received);
    }

    [Fact]
    public async Task A_change_matching_two_scopes_of_one_subscription_list_is_delivered_to_each_subscription_once()
    {
        var engineer = Guid.NewGuid();
        var (tenantPage, engineerPage) = (new LiveInbox(), new LiveInbox());
        using var a = tenantPage.Subscribe(_events, LiveScope.Tenant(Contoso));
        using var b = engineerPage.Subscribe(_events, LiveScope.Engineer(engineer));
        var change = Change(Contoso, engineer: engineer);

        _events.Publish(change);

        await tenantPage.WaitForAsync(change);
        await engineerPage.WaitForAsync(change);
        Assert.Single(tenantPage.Received);
        Assert.Single(engineerPage.Received);
    }

    [Fact]
    public async Task A_disposed_subscription_gets_nothing()
    {
        var (gone, open) = (new LiveInbox(), new LiveInbox());
        var subscription = gone.Subscribe(_events, LiveScope.Tenant(Contoso));
        using var _ = open.Subscribe(_events, LiveScope.Tenant(Contoso));
        subscription.Dispose();
        subscription.Dispose(); // twice is harmless and does not remove another subscriber
        var change = Change(Contoso);

        _events.Publish(change);

        await open.WaitForAsync(change);
        Assert.Empty(gone.Received);
        Assert.Equal(1, _events.SubscriberCount);
    }

    [Fact]
    public async Task A_throwing_subscriber_does_not_stop_the_others_and_is_logged()
    {
        using var throwsAtOnce = _events.Subscribe<AccessRequestChanged>(LiveScope.Tenant(Contoso), _ => throw new InvalidOperationException("page gone"));
        using var throwsLater = _events.Subscribe<AccessRequestChanged>(LiveScope.Tenant(Contoso), async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("render failed");
        });
        var survivor = new LiveInbox();
        using var _ = survivor.Subscribe(_events, LiveScope.Tenant(Contoso));
        var change = Change(Contoso);

        _events.Publish(change);

        await survivor.WaitForAsync(change);
        await WaitUntilAsync(() => _logs.All.Contains("render failed"));
        Assert.Contains("page gone", _logs.All);
        Assert.Contains("A live-update subscriber failed for AccessRequestChanged", _logs.All);
    }

    [Fact]
    public async Task A_subscription_for_request_changes_is_not_woken_by_tenant_settings()
    {
        var settings = new List<TenantSettingsChanged>();
        var requests = new LiveInbox();
        using var s = _events.Subscribe<TenantSettingsChanged>(LiveScope.Tenant(Contoso), c => { lock (settings) settings.Add(c); return Task.CompletedTask; });
        using var r = _events.Subscribe<AccessRequestChanged>(LiveScope.Tenant(Contoso), requests.Handle);
        var change = Change(Contoso);

        _events.Publish(new TenantSettingsChanged(Contoso));
        _events.Publish(change);

        await requests.WaitForAsync(change);
        Assert.Equal([change], requests.Received);
        Assert.Equal([new TenantSettingsChanged(Contoso)], settings);
    }

    [Fact]
    public async Task The_local_commit_hook_hears_every_change_this_instance_publishes_and_nothing_after_dispose()
    {
        var heard = new LiveInbox();
        var hook = _events.SubscribeToLocalCommits(heard.Handle);
        var (contoso, fabrikam) = (Change(Contoso), new TenantSettingsChanged(Fabrikam));

        _events.Publish(contoso);
        _events.Publish(fabrikam);
        await heard.WaitForAsync(fabrikam);
        hook.Dispose();
        _events.Publish(Change(Contoso));

        Assert.Equal([contoso, fabrikam], heard.Received);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
