using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Tests.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>
/// A decision tells open pages after it committed, without waiting for them: an approver's click must not wait while
/// every open page of the tenant reloads (docs/performance.md, "Where an approve click's time goes").
/// </summary>
public sealed class DecisionPublishingTests
{
    [Fact]
    public async Task An_approval_returns_while_a_page_of_its_tenant_is_still_reloading_and_the_page_then_hears_of_it()
    {
        await using var f = new PortalFixture();
        await f.InitializeAsync();
        var r = await f.PendingContosoRequestAsync();
        var events = f.Services.GetRequiredService<IPortalEvents>();
        // A page whose reload blocks its thread, as a reload over SQLite (whose reads never yield) does.
        using var reloading = new ManualResetEventSlim();
        var page = new LiveInbox();
        using var subscription = events.Subscribe<AccessRequestChanged>(LiveScope.Tenant(ContosoTenant), change =>
        {
            reloading.Wait(TimeSpan.FromSeconds(30));
            return page.Handle(change);
        });
        try
        {
            var approve = Task.Run(() => f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));

            var first = await Task.WhenAny(approve, Task.Delay(TimeSpan.FromSeconds(15)));

            Assert.Same(approve, first);
            Assert.Equal(AccessRequestStatus.Approved, (await approve).Status);
            Assert.Empty(page.Received);
        }
        finally
        {
            reloading.Set();
        }
        await page.WaitForAsync(new AccessRequestChanged(r.Id, ContosoTenant, r.TicketId, r.EngineerOid, nameof(AccessRequestStatus.Approved)));
    }

    [Fact]
    public async Task A_notifier_that_fails_leaves_the_decision_committed_and_returned_and_the_failure_is_logged()
    {
        await using var f = new PortalFixture(services: s => s.Replace(ServiceDescriptor.Singleton<IPortalEvents, BrokenNotifier>()));
        await f.InitializeAsync();
        var r = await f.PendingContosoRequestAsync();

        var approved = await f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        Assert.Equal(AccessRequestStatus.Approved, approved.Status);
        Assert.Equal(AccessRequestStatus.Approved, await f.Db(db => db.AccessRequests.Where(x => x.Id == r.Id).Select(x => x.Status).SingleAsync()));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!f.Logs.All.Contains("Publishing AccessRequestChanged to open pages failed", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Contains("Publishing AccessRequestChanged to open pages failed", f.Logs.All);
        Assert.Contains("notifier unreachable", f.Logs.All);
    }

    /// <summary>A notifier whose transport is down: every publish throws.</summary>
    private sealed class BrokenNotifier : IPortalEvents
    {
        public void Publish(PortalChange change) => throw new InvalidOperationException("notifier unreachable");

        public IDisposable Subscribe<TChange>(LiveScope scope, Func<TChange, Task> handler) where TChange : PortalChange => new Nothing();

        public IDisposable SubscribeToLocalCommits(Func<PortalChange, Task> handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose() { }
        }
    }
}
