using LockboxPortal.Application.Notifications;
using LockboxPortal.Infrastructure.Events;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>
/// The open pages that show the same view share one load per change (<see cref="SharedLiveLoads"/>), on the real
/// in-process notifier: a change wakes one load, not one per page, and never runs it on the publisher's thread.
/// </summary>
public sealed class SharedLiveLoadsTests
{
    private static readonly Guid Contoso = Guid.NewGuid(), Fabrikam = Guid.NewGuid();
    private readonly InProcessPortalEvents _events = new(NullLogger<InProcessPortalEvents>.Instance);
    private readonly SharedLiveLoads _live;

    public SharedLiveLoadsTests() => _live = Create(_events, TimeSpan.Zero);

    private static SharedLiveLoads Create(IPortalEvents events, TimeSpan interval) =>
        new(events, Options.Create(new LiveUpdateOptions { SharedRefreshInterval = interval }), NullLogger<SharedLiveLoads>.Instance);

    private static AccessRequestChanged ChangeIn(Guid tenant) => new(Guid.NewGuid(), tenant, Guid.NewGuid(), Guid.NewGuid(), "Approved");

    /// <summary>A page that records what it was handed.</summary>
    private sealed class Page
    {
        private readonly List<int> _shown = [];
        private readonly Lock _gate = new();

        public Task Show(int value)
        {
            lock (_gate) _shown.Add(value);
            return Task.CompletedTask;
        }

        public int[] Shown
        {
            get
            {
                lock (_gate) return [.. _shown];
            }
        }
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task One_change_runs_one_load_for_every_page_of_the_same_view_and_hands_each_page_its_answer()
    {
        var loads = 0;
        var pages = Enumerable.Range(0, 50).Select(_ => new Page()).ToList();
        var watches = pages.Select(p => _live.Watch<int>(LiveScope.Tenant(Contoso), "tenant:contoso|first page",
            _ => Task.FromResult(Interlocked.Increment(ref loads) * 10), p.Show)).ToList();

        _events.Publish(ChangeIn(Contoso));

        await Eventually(() => pages.All(p => p.Shown.Length == 1), "every page got the answer");
        Assert.Equal(1, loads);
        Assert.All(pages, p => Assert.Equal([10], p.Shown));
        Assert.Equal(1, _live.KeyCount);
        watches.ForEach(w => w.Dispose());
    }

    [Fact]
    public async Task A_change_in_another_tenant_loads_nothing_and_another_view_of_the_same_tenant_loads_for_itself()
    {
        int firstPageLoads = 0, filteredLoads = 0;
        var firstPage = new Page();
        var filtered = new Page();
        using var a = _live.Watch<int>(LiveScope.Tenant(Contoso), "tenant:contoso|first page", _ => Task.FromResult(Interlocked.Increment(ref firstPageLoads)), firstPage.Show);
        using var b = _live.Watch<int>(LiveScope.Tenant(Contoso), "tenant:contoso|pending only", _ => Task.FromResult(Interlocked.Increment(ref filteredLoads)), filtered.Show);

        _events.Publish(ChangeIn(Fabrikam));
        await Task.Delay(200);
        Assert.Equal(0, firstPageLoads + filteredLoads);

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => firstPage.Shown.Length == 1 && filtered.Shown.Length == 1, "both views got their own answer");
        Assert.Equal((1, 1), (firstPageLoads, filteredLoads));
    }

    [Fact]
    public async Task Publishing_does_not_wait_for_the_load_it_starts()
    {
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var page = new Page();
        using var watch = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", async _ =>
        {
            started.TrySetResult();
            return await release.Task;
        }, page.Show);

        _events.Publish(ChangeIn(Contoso)); // returns while the load is still blocked
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(page.Shown);

        release.SetResult(7);
        await Eventually(() => page.Shown.Length == 1, "the page got the answer once the load ended");
        Assert.Equal([7], page.Shown);
    }

    [Fact]
    public async Task A_burst_of_changes_during_a_load_makes_one_more_load_after_it_not_one_per_change()
    {
        var loads = 0;
        var gate = new SemaphoreSlim(0);
        var page = new Page();
        using var watch = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", async _ =>
        {
            var n = Interlocked.Increment(ref loads);
            await gate.WaitAsync();
            return n;
        }, page.Show);

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => Volatile.Read(ref loads) == 1, "the first load started");
        for (var i = 0; i < 20; i++) _events.Publish(ChangeIn(Contoso)); // while it runs
        gate.Release(2);

        await Eventually(() => page.Shown.Length == 2, "the page saw the first answer and the one after the burst");
        await Task.Delay(200);
        Assert.Equal(2, loads);
        Assert.Equal([1, 2], page.Shown);
    }

    [Fact]
    public async Task Loads_of_one_view_under_a_burst_are_spaced_by_the_shared_refresh_interval()
    {
        var spaced = Create(_events, TimeSpan.FromMilliseconds(400));
        var starts = new List<long>();
        var page = new Page();
        using var watch = spaced.Watch<int>(LiveScope.Tenant(Contoso), "k", _ =>
        {
            lock (starts) starts.Add(Environment.TickCount64);
            return Task.FromResult(starts.Count);
        }, page.Show);

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => page.Shown.Length == 1, "the first change loads at once");
        _events.Publish(ChangeIn(Contoso));
        _events.Publish(ChangeIn(Contoso));

        await Eventually(() => page.Shown.Length == 2, "the burst is shown after the interval");
        lock (starts) Assert.True(starts[1] - starts[0] >= 350, $"the second load began {starts[1] - starts[0]} ms after the first");
    }

    [Fact]
    public async Task A_view_whose_hand_out_is_slow_is_loaded_again_no_sooner_than_its_busy_share_allows()
    {
        // No interval configured: only the time the last round took spaces the next one (5,000 pages to render).
        var starts = new List<long>();
        var page = new Page();
        using var watch = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ =>
        {
            lock (starts) starts.Add(Environment.TickCount64);
            return Task.FromResult(starts.Count);
        }, async value =>
        {
            await Task.Delay(150); // a slow hand-out
            await page.Show(value);
        });

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => page.Shown.Length == 1, "the first change was shown");
        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => page.Shown.Length == 2, "the next change was shown");

        lock (starts)
            Assert.True(starts[1] - starts[0] >= 150 * SharedLiveLoads.BusyShare - 50,
                $"the second round began {starts[1] - starts[0]} ms after the first, which took ≥ 150 ms");
    }

    [Fact]
    public async Task An_answer_equal_to_what_a_page_shows_is_not_handed_to_it_again()
    {
        var value = 5;
        var page = new Page();
        var newcomer = new Page();
        using var watch = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => Task.FromResult(Volatile.Read(ref value)), page.Show, current: 5);

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => _live.LoadCount == 1, "the change was loaded");
        await Task.Delay(100);
        Assert.Empty(page.Shown); // it already shows 5

        using var late = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => Task.FromResult(Volatile.Read(ref value)), newcomer.Show, current: 4);
        Volatile.Write(ref value, 6);
        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => page.Shown.Length == 1 && newcomer.Shown.Length == 1, "both pages got the new answer");
        Assert.Equal([6], page.Shown);
        Assert.Equal([6], newcomer.Shown);
    }

    [Fact]
    public async Task When_the_page_whose_load_runs_has_gone_the_load_of_another_page_of_the_view_is_used()
    {
        var gone = new Page();
        var staying = new Page();
        using var first = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => throw new ObjectDisposedException("circuit services"), gone.Show);
        using var second = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => Task.FromResult(3), staying.Show);

        _events.Publish(ChangeIn(Contoso));

        await Eventually(() => staying.Shown.Length == 1, "the staying page got an answer");
        Assert.Equal([3], staying.Shown);
        Assert.Equal([3], gone.Shown);
        Assert.Equal(2, _live.LoadCount);
    }

    [Fact]
    public async Task A_failing_load_leaves_the_pages_as_they_are_and_the_next_change_loads_again()
    {
        var fail = true;
        var page = new Page();
        using var watch = _live.Watch<int>(LiveScope.Tenant(Contoso), "k",
            _ => Volatile.Read(ref fail) ? throw new InvalidOperationException("database unavailable") : Task.FromResult(1), page.Show);

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => _live.LoadCount == 1, "the change was loaded");
        await Task.Delay(100);
        Assert.Empty(page.Shown);

        Volatile.Write(ref fail, false);
        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => page.Shown.Length == 1, "the next change was shown");
    }

    [Fact]
    public void The_last_page_of_a_view_leaving_ends_its_subscription_to_the_scope()
    {
        var baseline = _events.SubscriberCount;
        var a = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => Task.FromResult(1), _ => Task.CompletedTask);
        var b = _live.Watch<int>(LiveScope.Tenant(Contoso), "k", _ => Task.FromResult(1), _ => Task.CompletedTask);
        Assert.Equal(baseline + 1, _events.SubscriberCount); // one subscription for the view, however many pages
        a.Dispose();
        a.Dispose(); // twice is harmless
        Assert.Equal(baseline + 1, _events.SubscriberCount);
        b.Dispose();
        Assert.Equal(baseline, _events.SubscriberCount);
        Assert.Equal(0, _live.KeyCount);
    }

    [Fact]
    public async Task A_live_view_moved_to_another_key_drops_answers_for_the_old_one()
    {
        var view = new LiveView();
        var handed = new List<(string Watch, int Value)>();
        var current = view.Watch<int>(_live, LiveScope.Tenant(Contoso), "page 0", _ => Task.FromResult(0), (w, v) => { lock (handed) handed.Add((w, v)); return Task.CompletedTask; });
        Assert.Equal(current, view.Current);
        Assert.Equal(current, view.Watch<int>(_live, LiveScope.Tenant(Contoso), "page 0", _ => Task.FromResult(0), (_, _) => Task.CompletedTask)); // same key: kept

        var moved = view.Watch<int>(_live, LiveScope.Tenant(Contoso), "page 1", _ => Task.FromResult(1), (w, v) => { lock (handed) handed.Add((w, v)); return Task.CompletedTask; });
        Assert.NotEqual(current, moved);
        Assert.Equal(1, _live.KeyCount); // the old key's watch went

        _events.Publish(ChangeIn(Contoso));
        await Eventually(() => { lock (handed) return handed.Count == 1; }, "the moved view got one answer");
        lock (handed) Assert.Equal((moved!, 1), handed[0]);

        view.Dispose();
        Assert.Null(view.Current);
        Assert.Equal(0, _live.KeyCount);
        Assert.Null(view.Watch<int>(_live, LiveScope.Tenant(Contoso), "page 2", _ => Task.FromResult(2), (_, _) => Task.CompletedTask));
    }

    [Theory]
    [InlineData("00:01:01")]
    [InlineData("-00:00:01")]
    [InlineData("soon")]
    public void A_bad_shared_refresh_interval_stops_the_portal_at_start_naming_the_key(string value)
    {
        using var services = Ui(value);
        var ex = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IOptions<LiveUpdateOptions>>().Value);
        Assert.Contains("LiveUpdates:SharedRefreshInterval", ex.Message);
    }

    [Fact]
    public void The_shared_refresh_interval_is_one_second_unless_set()
    {
        using var unset = Ui(null);
        Assert.Equal(TimeSpan.FromSeconds(1), unset.GetRequiredService<IOptions<LiveUpdateOptions>>().Value.SharedRefreshInterval);
        using var set = Ui("00:00:05");
        Assert.Equal(TimeSpan.FromSeconds(5), set.GetRequiredService<IOptions<LiveUpdateOptions>>().Value.SharedRefreshInterval);
    }

    /// <summary>The portal's own UI registration, on a configuration with (or without) the setting.</summary>
    private static ServiceProvider Ui(string? interval)
    {
        var settings = new Dictionary<string, string?>();
        if (interval is not null) settings["LiveUpdates:SharedRefreshInterval"] = interval;
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging();
        services.AddPortalUi();
        return services.BuildServiceProvider();
    }
}
