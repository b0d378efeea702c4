using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LockboxPortal.CircuitLoad;

namespace LockboxPortal.Bench;

/// <summary>
/// <c>bench circuits</c>: the published portal on Kestrel, driven by the protocol-level client (no browser).
/// Opens <c>--idle</c> circuits on the blade (heap and RSS per circuit at each of <c>--steps</c>), then drives
/// <c>--active</c> users for <c>--seconds</c> (next page, status filter, open a request, approve it through the
/// dialog, back to the blade) with <c>--think</c> ms between interactions; reports p50/p95/p99 per interaction,
/// errors and the portal's CPU. Before the load, one quiet user measures the same clicks for comparison with the
/// browser figures.
/// </summary>
public static class CircuitBenchmarks
{
    private const string Blade = "lockbox";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var quick = options.Get("quick") is not null;
        var appDir = Path.GetFullPath(options.Get("app", "artifacts/bench/publish"));
        var db = Path.GetFullPath(options.Get("db", "bench/data/run.db"));
        var port = options.GetInt("port", 5198);
        var idle = options.GetInt("idle", quick ? 300 : 5000);
        var active = options.GetInt("active", quick ? 20 : 200);
        var seconds = options.GetInt("seconds", quick ? 15 : 60);
        var thinkMs = options.GetInt("think", 1000);
        var steps = options.Get("steps", $"0,100,1000,{idle}").Split(',').Select(int.Parse).Where(s => s <= idle).Distinct().Order().ToArray();
        var quietIterations = quick ? 10 : 30;
        var report = new Report(options.OutDir, "circuit-load");
        var table = new StringBuilder();

        // Requests to approve: one per approval the active users can make, plus the quiet user's.
        List<Guid> pending;
        await using (var host = new BenchHost(options))
            pending = await ServiceBenchmarks.AddPendingAsync(host, options.GetInt("pending", quietIterations + 3 + active * Math.Max(1, seconds / 2)));
        var pool = new ConcurrentQueue<Guid>(pending);

        using var app = BrowserBenchmarks.StartApp(appDir, db, port);
        var circuits = new List<BlazorCircuit>();
        try
        {
            var baseUri = new Uri($"http://127.0.0.1:{port}/");
            await BrowserBenchmarks.WaitHealthyAsync(baseUri.ToString().TrimEnd('/'), app);
            using var carol = await PortalSession.SignInAsync(baseUri, "carol");
            var full = new CircuitClientOptions { Timeout = TimeSpan.FromSeconds(60) };
            var idleOptions = new CircuitClientOptions { TrackDom = false, Timeout = TimeSpan.FromSeconds(120) };

            // Warm-up (JIT, caches): a few circuits that page once and leave.
            for (var i = 0; i < 3; i++)
            {
                await using var warm = await OpenBladeAsync(carol, full);
                await NextPageAsync(warm);
            }

            // One user on a quiet portal: the same interactions the browser benchmarks time, for comparison. Started on a
            // quiet machine (BenchOptions.QuietSeconds): under ./bench/run.sh this step follows the browser's 100 contexts.
            await report.QuietStartAsync(options.QuietSeconds);
            await MeasureQuietAsync(carol, full, pool, quietIterations, report);
            report.BlockStartLoad = null;
            report.Write();

            // Idle circuits on the blade, with heap and RSS at each step. The heap is the runtime's own count after a full
            // GC (HeapStats: exact at any size): the live bytes, as a gcdump counts them, for the figures; the heap with
            // its free space beside them (it moves with compaction from run to run). A gcdump (types) is taken at 100
            // circuits only, since its walk stops at 10,000,000 objects (5,000 circuits hold more) and pauses the portal
            // for tens of seconds.
            table.AppendLine("| idle circuits on the blade | live managed objects after full GC | growth ÷ N | growth per circuit added since the previous step | managed heap with its free space (growth ÷ N) | RSS | RSS growth ÷ N | open rate | load |")
                 .AppendLine("|---|---|---|---|---|---|---|---|---|");
            long? baselineTotal = null;
            long? baselineHeap = null, previousHeap = null;
            int previousLive = 0;
            long baselineRss = 0;
            var openFailures = 0;
            foreach (var n in steps)
            {
                var clock = Stopwatch.StartNew();
                var toOpen = n - circuits.Count;
                openFailures += await OpenIdleAsync(carol, idleOptions, toOpen, circuits, options.GetInt("open-concurrency", 8));
                var rate = toOpen > 0 ? toOpen / clock.Elapsed.TotalSeconds : double.NaN;
                await Task.Delay(5000); // let the circuits settle (first-render work, JS calls answered)
                var live = circuits.Count(c => c.IsConnected);
                var rss = BrowserBenchmarks.Rss(app.Id);
                var gc = await HeapStats.AfterFullGcAsync(app.Id, TimeSpan.FromMinutes(2));
                var heap = gc.Live;
                baselineTotal ??= gc.TotalHeap;
                var perTotal = live == 0 ? double.NaN : (gc.TotalHeap - baselineTotal.Value) / (double)live;
                if (n == 100) await BrowserBenchmarks.GcDumpAsync(app.Id, options.OutDir, n, "circuit-load"); // the types, for reading
                baselineHeap ??= heap;
                if (n == steps[0]) baselineRss = rss;
                ReportCloses(circuits);
                var perHeap = live == 0 ? double.NaN : (heap - baselineHeap.Value) / (double)live;
                var added = live - previousLive;
                var perAdded = previousHeap is { } before && added > 0 && previousLive > 0 ? (heap - before) / (double)added : double.NaN;
                var perRss = live == 0 ? double.NaN : (rss - baselineRss) * 1024.0 / live;
                table.AppendLine($"| {live:N0}{(live < n ? $" (of {n:N0})" : "")} | {heap / 1048576.0:0.0} MiB | {(live == 0 ? "—" : $"{perHeap / 1024:0} KiB")} | {(double.IsNaN(perAdded) ? "—" : $"{perAdded / 1024:0} KiB ({added:N0} added)")} | {gc.TotalHeap / 1048576.0:0.0} MiB{(live == 0 ? "" : $" ({perTotal / 1024:0} KiB)")} | {rss / 1024.0:0} MiB | {(live == 0 ? "—" : $"{perRss / 1024:0} KiB")} | {(double.IsNaN(rate) ? "—" : $"{rate:0}/s")} | {Fmt.Load()} |");
                Console.WriteLine($"{live} idle circuits: live {heap / 1048576.0:0.0} MiB ({perHeap / 1024:0} KiB each, {perAdded / 1024:0} KiB per circuit added; heap with its free space {perTotal / 1024:0} KiB each), RSS {rss / 1024.0:0} MiB ({perRss / 1024:0} KiB each), opened at {rate:0}/s (load {Fmt.Load()})");
                if (n == steps[^1] && n > 0)
                {
                    report.Add(new Figure($"Managed heap per idle blade circuit ({live:N0} protocol-level circuits, live objects after a full GC; growth over 0 circuits ÷ N)", $"{perHeap / 1024:0} KiB", "≤ 250 KiB", perHeap <= 250 * 1024));
                    if (!double.IsNaN(perAdded))
                        report.Add(new Figure($"Managed heap per idle blade circuit added between {previousLive:N0} and {live:N0} circuits (what each more circuit costs)", $"{perAdded / 1024:0} KiB", "≤ 250 KiB", perAdded <= 250 * 1024));
                    report.Add(new Figure($"RSS per idle blade circuit ({live:N0} circuits)", $"{perRss / 1024:0} KiB", "—", null));
                    if (openFailures > 0) report.Add(new Figure("Idle circuits that failed to open", $"{openFailures}", "0", false));
                }
                else if (n == 100)
                    report.Add(new Figure("Managed heap per idle blade circuit (100 protocol-level circuits, live objects after a full GC; compare the browser's 100 contexts)", $"{perHeap / 1024:0} KiB", "≤ 250 KiB", perHeap <= 250 * 1024));
                (previousHeap, previousLive) = (heap, live);
                report.Write();
            }

            // Active users on top of the idle circuits.
            await MeasureActiveAsync(carol, full, pool, active, seconds, thinkMs, app, idle, report, table);
            report.Write();
            File.WriteAllText(Path.Combine(options.OutDir, "circuit-load-table.md"), table.ToString());
            var stillOpen = circuits.Count(c => c.IsConnected);
            Console.WriteLine($"idle circuits still connected after the active phase: {stillOpen} of {circuits.Count}");
            ReportCloses(circuits);
            if (stillOpen < circuits.Count)
            {
                report.Add(new Figure("Idle circuits dropped during the run", $"{circuits.Count - stillOpen}", "0", false));
                report.Write();
            }
        }
        finally
        {
            // Leave without waiting for every WebSocket to close politely: the portal is stopped next.
            if (!app.HasExited) app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
            await Task.WhenAll(circuits.Select(c => c.DisposeAsync().AsTask()));
        }
        return 0;
    }

    /// <summary>Why idle circuits closed, grouped (the client's view: the server's close, a timeout, a transport error).</summary>
    private static void ReportCloses(List<BlazorCircuit> circuits)
    {
        foreach (var group in circuits.Where(c => c.ClosedReason is not null).GroupBy(c => c.ClosedReason).OrderByDescending(g => g.Count()).Take(5))
            Console.WriteLine($"  closed: {group.Count()} × {group.Key} (first {group.Min(c => c.ClosedAt):HH:mm:ss}, last {group.Max(c => c.ClosedAt):HH:mm:ss})");
    }

    private static async Task<int> OpenIdleAsync(PortalSession session, CircuitClientOptions options, int count, List<BlazorCircuit> into, int concurrency)
    {
        var failures = 0;
        var opened = new ConcurrentBag<BlazorCircuit>();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                try { opened.Add(await session.OpenAsync(Blade, options)); }
                catch (Exception ex)
                {
                    if (Interlocked.Increment(ref failures) <= 5) Console.WriteLine($"idle circuit failed to open: {ex.GetType().Name}: {ex.Message}");
                }
                var done = opened.Count + failures;
                if (done % 500 == 0) Console.WriteLine($"  {done} of {count} idle circuits (load {Fmt.Load()})");
            }
        })));
        into.AddRange(opened);
        return failures;
    }

    private static async Task<BlazorCircuit> OpenBladeAsync(PortalSession session, CircuitClientOptions options)
    {
        var circuit = await session.OpenAsync(Blade, options);
        await circuit.WaitForAsync(d => NextButton(d) is { } b && !b.Attributes.ContainsKey("disabled") && b.Handlers.ContainsKey("onclick"));
        return circuit;
    }

    private static RenderedNode? NextButton(RenderedDom d) => d.Elements().FirstOrDefault(e => e.Name == "button" && e["aria-label"] == "Next page");
    private static string? FirstRow(RenderedDom d) => d.Elements().FirstOrDefault(e => e.Name == "a" && e["class"]?.Contains("lb-grid-link", StringComparison.Ordinal) == true)?["href"];

    /// <summary>Click next page until the first row is another request (as the browser benchmark's MutationObserver waits).</summary>
    private static async Task NextPageAsync(BlazorCircuit c)
    {
        await c.WaitForAsync(d => NextButton(d) is { } b && !b.Attributes.ContainsKey("disabled"));
        var before = c.Query(FirstRow);
        await c.ClickAsync(c.Query(NextButton)!);
        await c.WaitForAsync(d => FirstRow(d) is { } f && f != before);
    }

    private static readonly string[] Statuses = ["CustomerNotified", "Approved", "Denied", ""];

    private static async Task FilterAsync(BlazorCircuit c, string status)
    {
        var select = c.FindByTestId("status-filter") ?? throw new InvalidOperationException("no status filter");
        var before = c.Query(d => d.TextOf(d.Elements().First(e => e["data-testid"] == "page-range")));
        var wanted = status == "" ? null : c.Query(d => d.Elements().FirstOrDefault(e => e.Name == "option" && e["value"] == status) is { } o ? d.TextOf(o) : null);
        await c.ChangeAsync(select, status);
        // Done when the rows all show the chosen status (or the grid says nothing matches) and the count is back.
        await c.WaitForAsync(d =>
        {
            var rows = d.Elements().Where(e => e.Name == "tr" && e["class"]?.Contains("lb-row", StringComparison.Ordinal) == true).ToList();
            var grid = d.Elements().First(e => e["data-testid"] == "request-grid");
            if (grid["aria-busy"] == "true") return false;
            return wanted is null ? rows.Count > 0 : rows.All(r => d.TextOf(r).Contains(wanted, StringComparison.Ordinal)) && (rows.Count > 0 || d.TextOf(grid).Contains("No request matches", StringComparison.Ordinal));
        });
    }

    private static async Task OpenRequestAsync(BlazorCircuit c, Guid id)
    {
        await c.NavigateAsync($"lockbox/requests/{id}");
        await c.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "approve" && e.Handlers.ContainsKey("onclick") && !e.Attributes.ContainsKey("disabled")));
    }

    /// <summary>Approve → dialog → confirm; returns the time from the confirm click until the status reads Approved.</summary>
    private static async Task<TimeSpan> ApproveAsync(BlazorCircuit c)
    {
        await c.ClickAsync(c.FindByTestId("approve")!);
        await c.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "confirm-approve" && e.Handlers.ContainsKey("onclick")));
        var sw = Stopwatch.StartNew();
        await c.ClickAsync(c.FindByTestId("confirm-approve")!);
        await c.WaitForAsync(d => d.Elements().FirstOrDefault(e => e["data-testid"] == "request-status") is { } s && d.TextOf(s).Contains("Approved", StringComparison.Ordinal));
        return sw.Elapsed;
    }

    private static async Task BackToBladeAsync(BlazorCircuit c)
    {
        await c.NavigateAsync(Blade);
        await c.WaitForAsync(d => NextButton(d) is { } b && b.Handlers.ContainsKey("onclick") && FirstRow(d) is not null
            && d.Elements().First(e => e["data-testid"] == "request-grid")["aria-busy"] == "false");
    }

    private static async Task MeasureQuietAsync(PortalSession carol, CircuitClientOptions options, ConcurrentQueue<Guid> pool, int iterations, Report report)
    {
        var load = new Samples();
        for (var i = 0; i < iterations + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var c = await OpenBladeAsync(carol, options);
            if (i >= 3) load.Add(sw.Elapsed);
        }
        report.Latency("Quiet, 1 client: page GET → circuit started → rows and pager live (no browser)", load, null, "GET, negotiate, StartCircuit, UpdateRootComponents, batches until the next-page button has its handler");

        await using var circuit = await OpenBladeAsync(carol, options);
        var next = await Samples.TimeAsync(3, iterations, _ => NextPageAsync(circuit));
        report.Latency("Quiet, 1 client: next-page click → batch with the new rows applied (no browser)", next, 25);

        var approve = new Samples();
        for (var i = 0; i < iterations + 3 && pool.TryDequeue(out var id); i++)
        {
            await OpenRequestAsync(circuit, id);
            var t = await ApproveAsync(circuit);
            if (i >= 3) approve.Add(t);
        }
        report.Latency("Quiet, 1 client: confirm-approve click → batch showing Approved applied (no browser)", approve, 100);
    }

    private static async Task MeasureActiveAsync(PortalSession carol, CircuitClientOptions options, ConcurrentQueue<Guid> pool, int users, int seconds, int thinkMs,
        Process app, int idle, Report report, StringBuilder table)
    {
        var kinds = new[] { "open the blade (new circuit)", "next page", "filter by status", "open a request", "approve (whole dialog)", "approve (confirm → Approved)", "back to the blade" };
        var samples = kinds.ToDictionary(k => k, _ => new Samples());
        var errors = new ConcurrentDictionary<string, int>();
        var errorExamples = new ConcurrentQueue<string>();
        var stop = new CancellationTokenSource();
        var (cpuBefore, wallBefore) = (CpuSeconds(app.Id), Stopwatch.GetTimestamp());
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var loadBefore = Fmt.Load();

        async Task Time(string kind, Func<Task> action)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                await action();
                samples[kind].Add(sw.Elapsed);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested || ex is not OperationCanceledException)
            {
                errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
                if (errorExamples.Count < 10) errorExamples.Enqueue($"{kind}: {ex.GetType().Name}: {ex.Message}");
                throw;
            }
        }

        var ended = Stopwatch.StartNew();
        var userTasks = Enumerable.Range(0, users).Select(u => Task.Run(async () =>
        {
            var rng = new Random(u);
            async Task Think() => await Task.Delay(rng.Next(thinkMs / 2, thinkMs * 3 / 2 + 1));
            // Users start spread over the first think interval, not all at once.
            await Task.Delay(rng.Next(0, Math.Max(1, thinkMs * 2)));
            while (!stop.IsCancellationRequested)
            {
                BlazorCircuit? c = null;
                try
                {
                    await Time(kinds[0], async () => c = await OpenBladeAsync(carol, options));
                    var rounds = 0;
                    while (!stop.IsCancellationRequested && rounds++ < 5)
                    {
                        await Think();
                        await Time(kinds[1], () => NextPageAsync(c!));
                        await Think();
                        await Time(kinds[2], () => FilterAsync(c!, Statuses[rng.Next(Statuses.Length)]));
                        await Think();
                        if (!pool.TryDequeue(out var id)) { await Time(kinds[6], () => BackToBladeAsync(c!)); continue; }
                        await Time(kinds[3], () => OpenRequestAsync(c!, id));
                        await Think();
                        var confirm = TimeSpan.Zero;
                        await Time(kinds[4], async () => confirm = await ApproveAsync(c!));
                        samples[kinds[5]].Add(confirm);
                        await Think();
                        await Time(kinds[6], () => BackToBladeAsync(c!));
                    }
                }
                catch (Exception)
                {
                    // Counted in Time; this user starts over with a new circuit.
                }
                finally
                {
                    if (c is not null) await c.DisposeAsync();
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(seconds));
        stop.Cancel();
        var duration = ended.Elapsed;
        var cpu = CpuSeconds(app.Id) - cpuBefore;
        var wall = Stopwatch.GetElapsedTime(wallBefore).TotalSeconds;
        // The load client shares the 2 cores: its own time says how much of a latency may be the client's.
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientCpuBefore;
        await Task.WhenAny(Task.WhenAll(userTasks), Task.Delay(TimeSpan.FromSeconds(90)));

        table.AppendLine().AppendLine($"{users} active users on top of {idle:N0} idle circuits for {duration.TotalSeconds:0} s (think time {thinkMs / 2}–{thinkMs * 3 / 2} ms between interactions; load {loadBefore} at the start, {Fmt.Load()} at the end); portal CPU {cpu:0} s over {wall:0} s = {cpu / wall:0.00} cores of 2, the load client's {clientCpu / wall:0.00} cores:")
             .AppendLine()
             .AppendLine("| interaction | n | p50 | p95 | p99 | errors |").AppendLine("|---|---|---|---|---|---|");
        foreach (var kind in kinds)
        {
            var s = samples[kind];
            table.AppendLine($"| {kind} | {s.Count} | {Fmt.Ms(s.P50)} ms | {Fmt.Ms(s.P95)} ms | {Fmt.Ms(s.Percentile(99))} ms | {(kind == kinds[5] ? "(in the row above)" : errors.GetValueOrDefault(kind).ToString(CultureInfo.InvariantCulture))} |");
            if (kind is "next page" or "approve (confirm → Approved)")
                report.Add(new Figure($"{users} active users + {idle:N0} idle circuits: {kind}", $"p50 {Fmt.Ms(s.P50)} / p95 {Fmt.Ms(s.P95)} / p99 {Fmt.Ms(s.Percentile(99))} ms (n={s.Count})", "—", null));
        }
        var totalErrors = errors.Values.Sum();
        report.Add(new Figure($"{users} active users + {idle:N0} idle circuits: errors (timeouts, failed dispatches) / portal CPU", $"{totalErrors} errors / {cpu / wall:0.00} cores", "0 errors", totalErrors == 0));
        if (!errorExamples.IsEmpty)
        {
            table.AppendLine().AppendLine("First errors:").AppendLine();
            foreach (var e in errorExamples) table.AppendLine($"- {e.Replace("|", "\\|")}");
        }
        Console.WriteLine(table.ToString());
    }

    /// <summary>utime + stime of the process from /proc/PID/stat, in seconds.</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }
}
