using System.Collections.Concurrent;
using System.Diagnostics;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Load;

/// <summary>
/// 50 simulated users at once for a bounded time (LOCKBOX_LOAD_SECONDS, default 15): engineers file and
/// follow requests, approvers list and decide, customers open tickets and browse. Driven through the
/// application services in-process — exactly what a circuit calls — on a real SQLite file with the real
/// migrations, one DbContext per operation. A lost race between two approvers is an expected conflict;
/// anything else is an error, and there must be none.
/// </summary>
/// <summary>Runs alone: fifty users saturate two cores, which would starve (and be starved by) the other suites.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "Load (runs alone)";
}

[Trait(Category.Name, Category.Slow)]
[Collection(LoadCollection.Name)]
public sealed class ConcurrentUsersLoadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Users = 50;
    private readonly PortalFixture _f = new(s => s["RateLimits:RequestFiling:PermitLimit"] = "100000");
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latency = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private int _conflicts;

    private static DemoPersona Synthetic(string kind, int i, Guid tenant, string tenantName, bool admin = false, params string[] roles) =>
        new($"{kind}{i}", $"{kind} {i}", $"{kind}{i}@{tenantName.ToLowerInvariant().Replace(" ", "")}.example", Guid.NewGuid(), tenant, tenantName, kind, admin, roles);

    private readonly List<DemoPersona> _engineers = [Mia, .. Enumerable.Range(1, 19).Select(i => Synthetic("engineer", i, MicrosoftTenant, "Microsoft", false, "Lockbox.Engineer"))];
    private readonly List<DemoPersona> _approvers = [Carol, Adam, Frank, .. Enumerable.Range(1, 12).Select(i => Synthetic("approver", i, i % 2 == 0 ? ContosoTenant : FabrikamTenant, i % 2 == 0 ? "Contoso" : "Fabrikam", false, "Lockbox.Approver"))];
    private readonly List<DemoPersona> _customers = [Uma, Fiona, .. Enumerable.Range(1, 13).Select(i => Synthetic("customer", i, i % 2 == 0 ? ContosoTenant : FabrikamTenant, i % 2 == 0 ? "Contoso" : "Fabrikam"))];

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        foreach (var p in _engineers.Concat(_approvers).Concat(_customers).Where(p => !All.Contains(p)))
            await _f.As(p, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(Principal(p)));
        foreach (var c in _customers) await _f.OpenTicketAsync(c);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task Fifty_concurrent_users_for_a_bounded_time_see_zero_errors()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("LOCKBOX_LOAD_SECONDS"), out var s) ? s : 15;
        // SQLite calls block their thread; enough threads that every simulated user gets to run from the start.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Users + 8), io);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        Assert.Equal(Users, _engineers.Count + _approvers.Count + _customers.Count);

        var users = _engineers.Select(e => Task.Run(() => EngineerAsync(e, stop.Token)))
            .Concat(_approvers.Select(a => Task.Run(() => ApproverAsync(a, stop.Token))))
            .Concat(_customers.Select(c => Task.Run(() => CustomerAsync(c, stop.Token))));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(users);
        watch.Stop();

        var total = _latency.Values.Sum(b => b.Count);
        output.WriteLine($"{Users} users for {watch.Elapsed.TotalSeconds:0.0} s (in-process services, real SQLite): {total} operations, {total / watch.Elapsed.TotalSeconds:0} ops/s, errors {_errors.Count}, expected decision conflicts {_conflicts}.");
        foreach (var (op, samples) in _latency.OrderBy(k => k.Key))
        {
            var sorted = samples.OrderBy(x => x).ToArray();
            output.WriteLine($"  {op,-16} n={sorted.Length,6}  p50={P(sorted, 0.50),7:0.0} ms  p95={P(sorted, 0.95),7:0.0} ms  p99={P(sorted, 0.99),7:0.0} ms  max={sorted[^1],7:0.0} ms");
        }
        Assert.Empty(_errors);
        Assert.True(_latency.GetValueOrDefault("file")?.Count > 0 && _latency.GetValueOrDefault("approve/deny")?.Count > 0, "Every kind of user should have acted.");
    }

    private static double P(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private async Task EngineerAsync(DemoPersona me, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var tickets = await Op(me, "list tickets", sp => sp.GetRequiredService<TicketService>().ListAsync(new TicketListQuery { Status = TicketStatus.Open, PageSize = 10 }));
            if (tickets?.Items.FirstOrDefault() is { } t)
                await Op(me, "file", sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(t.Number)));
            await Op(me, "list requests", sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery { PageSize = 25 }));
        }
    }

    private async Task ApproverAsync(DemoPersona me, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            var page = await Op(me, "list pending", sp => sp.GetRequiredService<LockboxQueries>().ListAsync(
                new RequestListQuery { Status = AccessRequestStatus.CustomerNotified, PageSize = 10 }));
            if (page?.Items.Count > 0)
            {
                var r = page.Items[Random.Shared.Next(page.Items.Count)];
                await Op(me, "details", sp => sp.GetRequiredService<LockboxQueries>().GetAsync(r.Id));
                await Op(me, "approve/deny", sp => n++ % 3 == 0
                    ? sp.GetRequiredService<LockboxCommands>().DenyAsync(r.Id, new DenyCommand("Not during the freeze."))
                    : sp.GetRequiredService<LockboxCommands>().ApproveAsync(r.Id, new ApproveCommand()));
            }
            await Op(me, "count pending", sp => sp.GetRequiredService<LockboxQueries>().CountPendingAsync());
        }
    }

    private async Task CustomerAsync(DemoPersona me, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            if (n++ % 10 == 0)
                await Op(me, "open ticket", sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
                    "Nodes not ready", "Worker nodes report NotReady after patching.", TicketSeverity.B, "Azure Red Hat OpenShift")));
            await Op(me, "list tickets", sp => sp.GetRequiredService<TicketService>().ListAsync(new TicketListQuery()));
            await Op(me, "list requests", sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery()));
        }
    }

    private async Task<T?> Op<T>(DemoPersona who, string name, Func<IServiceProvider, Task<T>> call)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await _f.As(who, call);
            _latency.GetOrAdd(name, _ => []).Add(watch.Elapsed.TotalMilliseconds);
            return result;
        }
        catch (ConflictException) when (name == "approve/deny")
        {
            Interlocked.Increment(ref _conflicts);
            _latency.GetOrAdd(name, _ => []).Add(watch.Elapsed.TotalMilliseconds);
            return default;
        }
        catch (Exception ex)
        {
            _errors.Enqueue($"{who.Key} {name}: {ex.GetType().Name}: {ex.Message}");
            return default;
        }
    }
}
