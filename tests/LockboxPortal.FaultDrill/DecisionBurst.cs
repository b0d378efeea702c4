using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LockboxPortal.FaultDrill;

/// <summary>
/// The approvers at work. Each approver in the plan gets a scope of its own with its <see cref="CurrentUser"/>
/// set from its claims, as a circuit is set up, lists the requests still pending on its blade, and decides its
/// planned ones one after another (a circuit handles one event at a time) with a short think time between. A
/// request decided in an earlier, killed run is no longer pending and is skipped. Every committed decision is
/// printed only after the service returned. When the burst is over the drill waits for the outbox dispatcher to
/// send every message and stops the portal.
/// </summary>
internal sealed class DecisionBurst(
    IServiceScopeFactory scopes,
    ILockboxDbContextFactory dbFactory,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration) : BackgroundService
{
    private static int _errors;

    public static int Errors => Volatile.Read(ref _errors);

    private sealed record Tally(int Decided, int Conflicts, int AlreadyDecided);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Said on the drill's channel and in the exit code, rather than left to the host's log.
            Interlocked.Increment(ref _errors);
            Say(DrillProtocol.Error, "burst", "-", Describe(ex));
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var planPath = configuration[DrillProtocol.PlanKey]
            ?? throw new InvalidOperationException($"Give the plan file as --{DrillProtocol.PlanKey}=<path>.");
        var plan = DrillProtocol.ParsePlan(await File.ReadAllTextAsync(planPath, stoppingToken));
        var thinkTime = TimeSpan.FromMilliseconds(configuration.GetValue(DrillProtocol.ThinkTimeKey, 0));

        if (!await StartedAsync(stoppingToken)) return;
        Say(DrillProtocol.Ready, plan.Count);

        var tallies = await Task.WhenAll(plan.GroupBy(p => p.Approver)
            .Select(g => Task.Run(() => ApproverAsync(g.Key, g.ToList(), thinkTime, stoppingToken), stoppingToken)));
        Say(DrillProtocol.BurstDone, tallies.Sum(t => t.Decided), tallies.Sum(t => t.Conflicts), tallies.Sum(t => t.AlreadyDecided));

        while (!stoppingToken.IsCancellationRequested)
        {
            await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
            var counts = await db.OutboxMessages.GroupBy(m => m.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(stoppingToken);
            if (counts.All(c => c.Key != OutboxStatus.Pending))
            {
                Say(DrillProtocol.Drained, counts.Where(c => c.Key == OutboxStatus.Sent).Sum(c => c.Count),
                    counts.Where(c => c.Key == OutboxStatus.Failed).Sum(c => c.Count));
                lifetime.StopApplication();
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<Tally> ApproverAsync(string approverKey, List<PlannedDecision> mine, TimeSpan thinkTime, CancellationToken ct)
    {
        var persona = DemoPersonas.Find(approverKey) ?? throw new InvalidOperationException($"No demo persona '{approverKey}'.");
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        var lockbox = scope.ServiceProvider.GetRequiredService<LockboxCommands>();
        var requests = scope.ServiceProvider.GetRequiredService<LockboxQueries>();

        var pending = await PendingAsync(requests, ct);
        int decided = 0, conflicts = 0, already = 0;
        foreach (var item in mine)
        {
            if (!pending.Contains(item.RequestId))
            {
                already++;
                continue;
            }
            try
            {
                var result = item.Verb == DrillVerb.Approve
                    ? await lockbox.ApproveAsync(item.RequestId, new ApproveCommand(Comment: "Approved during the fault drill."), ct)
                    : await lockbox.DenyAsync(item.RequestId, new DenyCommand("Not during the change freeze."), ct);
                Say(DrillProtocol.Decided, item.RequestId, result.Status, approverKey);
                decided++;
            }
            catch (ConflictException)
            {
                Say(DrillProtocol.Conflict, item.RequestId, approverKey);
                conflicts++;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _errors);
                Say(DrillProtocol.Error, item.RequestId, approverKey, Describe(ex));
            }
            if (thinkTime > TimeSpan.Zero)
                await Task.Delay(thinkTime * (0.5 + Random.Shared.NextDouble()), ct);
        }
        return new Tally(decided, conflicts, already);
    }

    /// <summary>
    /// The requests the approver's blade shows as pending, a page at a time. Keyset pages: another approver of
    /// the tenant deciding meanwhile removes rows, which would shift numbered pages and hide a request.
    /// </summary>
    private static async Task<HashSet<Guid>> PendingAsync(LockboxQueries requests, CancellationToken ct)
    {
        const int pageSize = 200;
        var pending = new HashSet<Guid>();
        RequestCursor? after = null;
        while (true)
        {
            var page = await requests.ListAsync(new RequestListQuery
            {
                Status = AccessRequestStatus.CustomerNotified, PageSize = pageSize, After = after, IncludeTotal = false,
            }, ct);
            pending.UnionWith(page.Items.Select(r => r.Id));
            if (page.Items.Count < pageSize) return pending;
            after = page.Last;
        }
    }

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");

    /// <summary>One whole line per call, flushed: what the suite reads is what was written before a kill.</summary>
    private static void Say(string kind, params object[] parts)
    {
        var line = DrillProtocol.Line(kind, parts);
        lock (Console.Out)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }
}
