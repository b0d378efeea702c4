using System.Diagnostics;
using System.Runtime;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tenants;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Bench;

/// <summary>
/// The blade's queries and the decisions, through the real <see cref="LockboxQueries"/> and <see cref="LockboxCommands"/> (authorization,
/// tenant scoping, EF queries, audit chain, outbox) over the seeded database, as Carol of Contoso.
/// </summary>
public static class ServiceBenchmarks
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var capture = new SqlCapture();
        await using var host = new BenchHost(options, s => s.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(capture)));
        var connectionString = host.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContext().Database.GetConnectionString()!;
        var report = new Report(options.OutDir, "service");
        var plans = report.Extra;
        var quick = options.Get("quick") is not null;
        int Iter(int n) => quick ? Math.Max(5, n / 10) : n;

        // Each part starts on a quiet machine (BenchOptions.QuietSeconds), not on the tail of the harness's own build.
        Task QuietStartAsync() => report.QuietStartAsync(options.QuietSeconds);

        await using var scope = host.ScopeFor(DemoPersonas.Carol);
        var requests = scope.ServiceProvider.GetRequiredService<LockboxQueries>();
        var lockbox = scope.ServiceProvider.GetRequiredService<LockboxCommands>();
        var contosoRows = await CountAsync(host);
        Console.WriteLine($"Contoso holds {contosoRows:N0} requests; load {Fmt.Load()}");

        Task<Samples> Measure(string label, RequestListQuery q, int iterations, double? goal, string detail = "") =>
            MeasureCall(label, () => requests.ListAsync(q), iterations, goal, detail);

        async Task<Samples> MeasureCall(string label, Func<Task> call, int iterations, double? goal, string detail = "")
        {
            capture.Capturing = true;
            await call();
            capture.Capturing = false;
            var sql = capture.Take();
            var s = await Samples.TimeAsync(10, iterations, _ => call());
            report.Latency(label, s, goal, detail);
            if (host.IsSqlite)
            {
                plans.AppendLine($"#### {label}").AppendLine();
                foreach (var c in sql)
                {
                    var plan = SqlCapture.Explain(connectionString, c);
                    var flag = plan.Contains("TEMP B-TREE", StringComparison.Ordinal) ? " — **uses a temporary B-tree**" : "";
                    plans.AppendLine($"```sql\n{c.Sql.Trim()}\n```").AppendLine($"plan{flag}:\n```\n{plan}```").AppendLine();
                }
            }
            return s;
        }

        // --only decisions: skip the queries (for profiling the decision path alone).
        if (options.Get("only") != "decisions")
        {
            await QuietStartAsync();
            // The blade: the first page newest first, which RequestGrid shows before it asks for the pager's total.
            var firstPage = new RequestListQuery { PageSize = 25, IncludeTotal = false };
            await Measure("Blade first page (25, newest first) — the rows, shown before the count", firstPage, Iter(300), 20, $"{contosoRows:N0} rows in the tenant");
            await MeasureCall("Blade total for the pager (counted after the rows are shown)", () => requests.CountAsync(firstPage), Iter(300), 100, "covering index count");
            await Measure("For contrast: first page and total in one call", firstPage with { IncludeTotal = true }, Iter(100), null);

            foreach (var depth in new[] { 26, Math.Min(10_000, contosoRows / 2), contosoRows - 50 })
            {
                var cursor = await CursorAtAsync(host, depth);
                await Measure($"Keyset next page at row {depth:N0}", new RequestListQuery { PageSize = 25, IncludeTotal = false, After = cursor }, Iter(300), 20);
            }
            var back = await CursorAtAsync(host, contosoRows - 50);
            await Measure($"Keyset previous page at row {contosoRows - 50:N0}", new RequestListQuery { PageSize = 25, IncludeTotal = false, Before = back }, Iter(300), 20);
            await Measure($"For contrast: OFFSET page {contosoRows / 25 - 2:N0} (no keyset)", new RequestListQuery { PageSize = 25, IncludeTotal = false, Page = contosoRows / 25 - 2 }, Iter(50), null);

            foreach (var status in new[] { AccessRequestStatus.CustomerNotified, AccessRequestStatus.Approved, AccessRequestStatus.Denied, AccessRequestStatus.Expired, AccessRequestStatus.Completed })
                await MeasureCall($"Filtered by {status.Display()} + total", async () =>
                {
                    // As the blade does it: the filtered rows, then their count.
                    var q = new RequestListQuery { PageSize = 25, Status = status, IncludeTotal = false };
                    await requests.ListAsync(q);
                    await requests.CountAsync(q);
                }, Iter(100), 100);
            await Measure("Search \"kim\" (engineer name) + total", new RequestListQuery { PageSize = 25, Search = "kim" }, Iter(50), null);
        }

        // Decisions: a pool of fresh pending requests (setup, not timed), then approvals through the service.
        // Enough for every block below, the runtime's warm-up included (at most MaxSettleRounds rounds).
        var pool = await AddPendingAsync(host, quick ? 2_500 : 24_000);
        var next = 0;
        Guid Take() { var i = Interlocked.Increment(ref next) - 1; return i < pool.Count ? pool[i] : Guid.Empty; }

        capture.Capturing = true;
        await lockbox.ApproveAsync(Take(), new ApproveCommand());
        capture.Capturing = false;
        var approveSql = capture.Take();
        plans.AppendLine("#### Approve (every statement of one decision)").AppendLine();
        foreach (var c in approveSql.Where(c => host.IsSqlite))
            plans.AppendLine($"```sql\n{c.Sql.Trim()}\n```").AppendLine($"plan:\n```\n{SqlCapture.Explain(connectionString, c)}```").AppendLine();

        await QuietStartAsync();
        var jit = Jit.Now();
        var alone = await Samples.TimeAsync(20, Iter(300), _ => lockbox.ApproveAsync(Take(), new ApproveCommand()));
        report.Latency("Approve, one approver", alone, 15, $"conditional update + audit append + outbox, one transaction; {jit.Since()}");

        // 8 approvers at once, each in a scope of its own.
        async Task<Samples> Concurrently(int perWorker, BenchHost? on = null)
        {
            var samples = new Samples();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                await using var s = (on ?? host).ScopeFor(w % 2 == 0 ? DemoPersonas.Carol : DemoPersonas.Adam);
                var svc = s.ServiceProvider.GetRequiredService<LockboxCommands>();
                for (var i = 0; i < perWorker; i++)
                {
                    var t = Stopwatch.StartNew();
                    await svc.ApproveAsync(Take(), new ApproveCommand());
                    samples.Add(t.Elapsed);
                }
            })));
            return samples;
        }
        // First as a freshly started instance meets them: 10 each not counted, then the block, while the runtime
        // compiles the hot paths again at its higher tiers on the same 2 cores (the JIT's share is in the row).
        await Concurrently(10);
        jit = Jit.Now();
        var cold = await Concurrently(Iter(100));
        report.Latency("For contrast: 8 concurrent approvers in the process's first minute", cold, null, jit.Since());

        // Then warmed up as every other block is, until the runtime stops recompiling (a round of 25 each in which it
        // compiles fewer than SettledBelow methods), so the goal's row measures the portal, not the JIT.
        var settle = Stopwatch.StartNew();
        var rounds = 0;
        do
        {
            jit = Jit.Now();
            await Concurrently(25);
            rounds++;
        } while (!quick && rounds < MaxSettleRounds && jit.Methods() >= SettledBelow);
        Console.WriteLine($"  the runtime settled after {rounds} rounds of 8 × 25 approvals ({settle.Elapsed.TotalSeconds:0.0} s; {jit.Since()} in the last)");
        jit = Jit.Now();
        var concurrent = await Concurrently(Iter(100));
        report.Latency("Approve, 8 concurrent approvers on distinct requests", concurrent, 50,
            $"after {rounds * 200:N0} approvals warmed the runtime up; {jit.Since()}");

        var seconds = quick ? 3 : 15;
        async Task Sustained(BenchHost on, string label)
        {
            var decided = 0;
            var compiled = Jit.Now();
            var cost = Cost.Now();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                await using var s = on.ScopeFor(w % 2 == 0 ? DemoPersonas.Carol : DemoPersonas.Adam);
                var svc = s.ServiceProvider.GetRequiredService<LockboxCommands>();
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    var id = Take();
                    if (id == Guid.Empty) break;
                    await svc.ApproveAsync(id, new ApproveCommand());
                    Interlocked.Increment(ref decided);
                }
            })));
            var rate = decided / clock.Elapsed.TotalSeconds;
            report.Add(new Figure(label, $"{Fmt.Num(rate)} /s ({decided:N0} in {clock.Elapsed.TotalSeconds:0.0} s)", "≥ 300 /s", rate >= 300,
                $"{cost.PerDecision(decided)}; {compiled.Since()}"));
        }
        await Sustained(host, $"Sustained decisions/s (8 approvers, each with audit entry + outbox message; synchronous={options.Get("synchronous", "Full")})");
        if (host.IsSqlite && options.Get("synchronous", "Full") == "Full")
        {
            // The same burst with Database:SqliteSynchronous=Normal, the durability trade the owners can choose.
            await using var normal = new BenchHost(options.With("synchronous", "Normal"));
            // A host of its own (its own EF model and pools): one round warms it up, as the first host was.
            await Concurrently(25, normal);
            await Sustained(normal, "Sustained decisions/s with Database:SqliteSynchronous=Normal (survives process crashes, not power loss)");
        }

        report.Write();
        return 0;
    }

    private const int MaxSettleRounds = 40;
    private const int SettledBelow = 25;

    /// <summary>What the runtime's JIT compiled since a point: shown beside a block's figures, so a reader sees whether it measured steady state.</summary>
    private readonly record struct Jit(long Count, TimeSpan Time)
    {
        public static Jit Now() => new(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
        public long Methods() => JitInfo.GetCompiledMethodCount() - Count;
        public string Since() => $"the JIT compiled {Methods():N0} methods ({(JitInfo.GetCompilationTime() - Time).TotalMilliseconds:N0} ms) meanwhile";
    }

    /// <summary>
    /// What a block cost the process: CPU time (every thread: the approvers, the writer, the runtime) and bytes handed
    /// to <c>write</c> (SQLite's log and checkpoints; <c>wchar</c> of /proc/self/io), per decision. Less at the mercy of
    /// the hour than a rate: a change that makes each decision cheaper shows here even when the machine is slow.
    /// </summary>
    private readonly record struct Cost(TimeSpan Cpu, long Written)
    {
        public static Cost Now() => new(Process.GetCurrentProcess().TotalProcessorTime, WrittenBytes());

        public string PerDecision(int decided)
        {
            if (decided == 0) return "no decision";
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - Cpu).TotalMilliseconds / decided;
            var written = WrittenBytes() - Written;
            return Written < 0 || written < 0
                ? $"CPU {cpu:0.00} ms per decision"
                : $"CPU {cpu:0.00} ms and {written / 1024.0 / decided:0.0} KiB written per decision";
        }

        private static long WrittenBytes()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/io"))
                    if (line.StartsWith("wchar:", StringComparison.Ordinal)) return long.Parse(line.AsSpan(6).Trim());
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
            return -1;
        }
    }

    private static async Task<int> CountAsync(BenchHost host)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();
        return await db.AccessRequests.CountAsync(r => r.TenantId == DemoPersonas.ContosoTenant);
    }

    private static async Task<RequestCursor> CursorAtAsync(BenchHost host, int depth)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();
        var row = await db.AccessRequests.Where(r => r.TenantId == DemoPersonas.ContosoTenant)
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Skip(depth - 1)
            .Select(r => new { r.CreatedAt, r.Id }).FirstAsync();
        return new RequestCursor(row.CreatedAt, row.Id);
    }

    /// <summary>Inserts <paramref name="count"/> pending Contoso requests filed in the last hour; returns their ids.</summary>
    public static async Task<List<Guid>> AddPendingAsync(BenchHost host, int count)
    {
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<LockboxDbContext>>().CreateDbContextAsync();
        var tenant = await db.Tenants.AsNoTracking().SingleAsync(t => t.Id == DemoPersonas.ContosoTenant);
        var ticket = await db.SupportTickets.AsNoTracking().Where(t => t.TenantId == tenant.Id).OrderByDescending(t => t.CreatedAt).FirstAsync();
        var engineers = Seeder.Engineers();
        var rng = new Random();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        using var insert = new BulkInserter<AccessRequest>(db, connection);
        await using var tx = await connection.BeginTransactionAsync();
        insert.Transaction = tx;
        var ids = new List<Guid>(count);
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var e = engineers[rng.Next(engineers.Count)];
            var r = new AccessRequest
            {
                Id = RowIds.New(), TenantId = tenant.Id, TicketId = ticket.Id, TicketNumber = ticket.Number,
                EngineerOid = e.Oid, EngineerName = e.Name, EngineerEmail = e.Email, SupportOrganization = e.Organization,
                ScopeKind = AccessScopeKind.Tenant, Justification = "Benchmark request", RequestedMinutes = 480,
                Status = AccessRequestStatus.CustomerNotified,
                CreatedAt = now.AddMilliseconds(-60_000 + i * 60_000.0 / count), PendingUntil = now.AddDays(4),
            };
            insert.Insert(r);
            ids.Add(r.Id);
        }
        await tx.CommitAsync();
        return ids;
    }
}
