using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace LockboxPortal.Bench;

/// <summary>
/// Where a full page load's and a next-page click's time goes in Chromium, step by step (the <c>breakdown</c> section of
/// <c>bench … browser</c>; not part of <c>./bench/run.sh</c>). The same two measurements as the browser table — the first
/// row in the DOM and a frame painted, the circuit's first render (data-interactive=true) with rows — taken apart with the
/// browser's own clocks: Navigation Timing, paint timing, Resource Timing of every script and stylesheet, and every
/// message on the circuit's WebSocket (a wrapper around <c>WebSocket</c> names each message by the hub method it carries).
/// With <c>--trace</c> one more load and a few clicks are recorded as a Chromium trace, and the renderer's main-thread time
/// is summed by kind (script, style, layout, paint).
/// </summary>
public static class BrowserBreakdown
{
    private const string FirstRow = BrowserBenchmarks.FirstRowLink;

    /// <summary>Records every WebSocket message with performance.now(), named by the hub methods found in its bytes.</summary>
    private const string WebSocketProbe = """
        (() => {
          const log = window.__lbWs = [];
          const names = ['StartCircuit', 'UpdateRootComponents', 'ConnectCircuit', 'JS.RenderBatch', 'OnRenderCompleted', 'DispatchBrowserEvent',
            'BeginInvokeDotNetFromJS', 'EndInvokeJSFromDotNet', 'JS.BeginInvokeJS', 'JS.EndInvokeDotNet', 'JS.AttachComponent',
            'JS.EndUpdateRootComponents', 'OnLocationChanged', 'OnLocationChanging', 'JS.Error'];
          const text = d => {
            if (typeof d === 'string') return d;
            const bytes = new Uint8Array(d instanceof ArrayBuffer ? d : d.buffer ?? new ArrayBuffer(0));
            let s = '';
            for (let i = 0; i < Math.min(bytes.length, 400); i++) s += String.fromCharCode(bytes[i]);
            return s;
          };
          const size = d => typeof d === 'string' ? d.length : (d.byteLength ?? d.size ?? 0);
          const label = d => {
            const s = text(d);
            if (s.includes('"protocol"')) return 'handshake';
            if (typeof d === 'string' && s.length <= 3) return 'handshake-ack';
            const found = names.filter(n => s.includes(n));
            // What a JS call calls: the printable runs of its bytes (identifier, arguments).
            const detail = found.includes('JS.BeginInvokeJS') ? ' ' + (s.match(/[ -~]{5,}/g) ?? []).filter(x => !x.includes('JS.BeginInvokeJS')).join(' ').slice(0, 120) : '';
            return found.length ? found.join('+') + detail : (size(d) <= 8 ? 'ping' : 'other');
          };
          const Native = window.WebSocket;
          window.WebSocket = class extends Native {
            constructor(...args) {
              super(...args);
              log.push({ t: performance.now(), k: 'new', l: String(args[0]).replace(/\?.*/, '') });
              this.addEventListener('open', () => log.push({ t: performance.now(), k: 'open', l: '' }));
              this.addEventListener('message', e => log.push({ t: performance.now(), k: 'recv', l: label(e.data), n: size(e.data) }));
            }
            send(d) { log.push({ t: performance.now(), k: 'send', l: label(d), n: size(d) }); return super.send(d); }
          };
        })();
        """;

    /// <summary>As the browser table's navigation figures: the first row in the DOM plus a painted frame, and data-interactive=true with rows.</summary>
    private const string NavigationProbe = """
        (() => {
          const sel = '[data-testid=request-grid] tbody a.lb-grid-link';
          const check = () => { if (document.querySelector(sel)) { obs.disconnect(); window.__rowInDom = performance.now();
            requestAnimationFrame(() => { window.__rowFrame = performance.now(); setTimeout(() => { window.__firstRow = performance.now(); signal(); }, 0); }); return true; } return false; };
          SIGNAL
          const obs = new MutationObserver(check);
          obs.observe(document, { childList: true, subtree: true });
          const live = () => { if (document.querySelector('[data-interactive=true]') && document.querySelector(sel)) { liveObs.disconnect(); window.__interactive = performance.now(); signal(); } };
          const liveObs = new MutationObserver(live);
          liveObs.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-interactive'] });
          document.addEventListener('DOMContentLoaded', () => { window.__dcl = performance.now(); });
          // Does the circuit's first render take the prerendered rows away before it shows them again?
          let had = false;
          const watch = new MutationObserver(() => {
            const row = !!document.querySelector(sel);
            if (window.__liveAttr === undefined && document.querySelector('[data-interactive=true]')) window.__liveAttr = performance.now();
            if (had && !row && window.__rowGone === undefined) window.__rowGone = performance.now();
            if (row && window.__rowGone !== undefined && window.__rowBack === undefined) { window.__rowBack = performance.now(); }
            had = row;
            if (window.__rowBack !== undefined) watch.disconnect();
          });
          watch.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-interactive'] });
        })();
        """;

    private const string Collect = """
        () => {
          const n = performance.getEntriesByType('navigation')[0];
          const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
          const res = performance.getEntriesByType('resource').map(r => ({ name: r.name.replace(location.origin, '').replace(/\?.*/, ''), type: r.initiatorType,
            start: r.startTime, responseStart: r.responseStart, end: r.responseEnd, transfer: r.transferSize, body: r.decodedBodySize, blocking: r.renderBlockingStatus ?? '' }));
          return JSON.stringify({ nav: { requestStart: n.requestStart, responseStart: n.responseStart, responseEnd: n.responseEnd, domInteractive: n.domInteractive,
              dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, size: n.decodedBodySize },
            paint, res, ws: window.__lbWs ?? [], rowInDom: window.__rowInDom, rowFrame: window.__rowFrame, html: n.decodedBodySize, firstRow: window.__firstRow, interactive: window.__interactive, liveAttr: window.__liveAttr, rowGone: window.__rowGone, rowBack: window.__rowBack });
        }
        """;

    public static async Task RunAsync(IBrowser browser, string state, string baseUrl, int iterations, bool trace, string outDir)
    {
        var md = new StringBuilder();
        md.AppendLine($"Breakdown (n={iterations} each, load at start {Fmt.Load()}); milliseconds, p50 (p95).").AppendLine();
        await NavigationAsync(browser, state, baseUrl, iterations, trace, outDir, md);
        await NextPageAsync(browser, state, baseUrl, iterations, trace, outDir, md);
        md.AppendLine($"Load at end {Fmt.Load()}.");
        File.WriteAllText(Path.Combine(outDir, "browser-breakdown.md"), md.ToString());
        Console.WriteLine(md);
    }

    private sealed class Steps
    {
        private readonly Dictionary<string, Samples> _steps = [];
        private readonly List<string> _order = [];

        public void Add(string step, double? ms)
        {
            if (ms is not { } v || double.IsNaN(v)) return;
            if (!_steps.TryGetValue(step, out var s)) { _steps[step] = s = new Samples(); _order.Add(step); }
            s.Add(v);
        }

        public void Write(StringBuilder md, string header)
        {
            md.AppendLine($"| {header} | p50 | p95 | n |").AppendLine("|---|---|---|---|");
            foreach (var step in _order)
                md.AppendLine($"| {step} | {Fmt.Ms(_steps[step].P50)} | {Fmt.Ms(_steps[step].P95)} | {_steps[step].Count} |");
            md.AppendLine();
        }
    }

    private static async Task NavigationAsync(IBrowser browser, string state, string baseUrl, int iterations, bool trace, string outDir, StringBuilder md)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { StorageState = state });
        await context.AddInitScriptAsync(WebSocketProbe);
        await context.AddInitScriptAsync(NavigationProbe.Replace("SIGNAL", BrowserBenchmarks.SignalWhenMeasured));
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"browser {m.Type}: {m.Text}"); };
        var steps = new Steps();
        var lastWs = "";
        var resources = new Dictionary<string, (Samples Start, Samples End, List<long> Transfer, string Blocking, long Body)>();
        for (var i = 0; i < iterations + 3 + (trace ? 1 : 0); i++)
        {
            var traced = trace && i == iterations + 3;
            await page.GotoAsync($"{baseUrl}/");
            await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
            var tracer = traced ? await Tracer.StartAsync(page) : null;
            await BrowserBenchmarks.GotoUntilMeasuredAsync(page, $"{baseUrl}/lockbox");
            await page.WaitForTimeoutAsync(50);
            if (tracer is not null)
            {
                var bytes = await tracer.StopAsync();
                File.WriteAllBytes(Path.Combine(outDir, "browser-navigation.trace.json"), bytes);
                md.AppendLine("Main thread of the renderer during one full load (trace `browser-navigation.trace.json`), by kind:").AppendLine();
                SummariseTrace(bytes, md, "navigationStart");
                continue;
            }
            if (i < 3) continue;
            using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>(Collect));
            var r = doc.RootElement;
            var nav = r.GetProperty("nav");
            double N(JsonElement e, string p) => e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
            steps.Add("request sent (requestStart)", N(nav, "requestStart"));
            steps.Add("first byte of the prerendered page (responseStart)", N(nav, "responseStart"));
            steps.Add("last byte of the page (responseEnd)", N(nav, "responseEnd"));
            steps.Add("page HTML bytes (decoded)", N(nav, "size"));
            steps.Add("HTML parsed, scripts run (domInteractive)", N(nav, "domInteractive"));
            steps.Add("DOMContentLoaded handlers done", N(nav, "dcl"));
            steps.Add("first row in the DOM (MutationObserver)", N(r, "rowInDom"));
            steps.Add("first-contentful-paint", r.GetProperty("paint").TryGetProperty("first-contentful-paint", out var fcp) ? fcp.GetDouble() : null);
            steps.Add("the next animation frame after the row (rAF)", N(r, "rowFrame"));
            steps.Add("frame after the row done (rAF + setTimeout)", N(r, "firstRow"));
            var fcpMs = r.GetProperty("paint").TryGetProperty("first-contentful-paint", out var f2) ? f2.GetDouble() : double.NaN;
            steps.Add("**first row painted** (the later of that and first-contentful-paint: the table's figure)", Math.Max(N(r, "firstRow"), fcpMs));
            double? Res(string suffix, string field) => r.GetProperty("res").EnumerateArray()
                .Where(x => x.GetProperty("name").GetString()!.Contains(suffix, StringComparison.Ordinal)).Select(x => (double?)x.GetProperty(field).GetDouble()).FirstOrDefault();
            steps.Add("`_blazor/initializers` fetch started", Res("_blazor/initializers", "start"));
            steps.Add("`_blazor/initializers` answered", Res("_blazor/initializers", "end"));
            steps.Add("`_blazor/negotiate` started", Res("_blazor/negotiate", "start"));
            steps.Add("`_blazor/negotiate` answered", Res("_blazor/negotiate", "end"));
            var ws = r.GetProperty("ws").EnumerateArray().Select(x => (T: x.GetProperty("t").GetDouble(), K: x.GetProperty("k").GetString()!, L: x.GetProperty("l").GetString()!)).ToList();
            double? Ws(string kind, string label, int nth = 0) => ws.Where(x => x.K == kind && x.L.Contains(label, StringComparison.Ordinal)).Select(x => (double?)x.T).Skip(nth).FirstOrDefault();
            steps.Add("WebSocket created", Ws("new", ""));
            steps.Add("WebSocket open", Ws("open", ""));
            steps.Add("handshake answered", Ws("recv", "handshake"));
            steps.Add("StartCircuit sent", Ws("send", "StartCircuit"));
            steps.Add("first message back (circuit id)", ws.Where(x => x.K == "recv" && !x.L.StartsWith("handshake", StringComparison.Ordinal)).Select(x => (double?)x.T).FirstOrDefault());
            steps.Add("UpdateRootComponents sent", Ws("send", "UpdateRootComponents"));
            steps.Add("first render batch received", Ws("recv", "JS.RenderBatch"));
            steps.Add("first render batch acknowledged (applied)", Ws("send", "OnRenderCompleted"));
            steps.Add("second render batch received", Ws("recv", "JS.RenderBatch", 1));
            steps.Add("second render batch acknowledged (applied)", Ws("send", "OnRenderCompleted", 1));
            steps.Add("data-interactive=true in the DOM", N(r, "liveAttr"));
            steps.Add("prerendered rows taken out of the DOM (circuit's first render)", N(r, "rowGone"));
            steps.Add("rows back in the DOM", N(r, "rowBack"));
            steps.Add("**interactive** (data-interactive=true, rows shown: the table's figure)", N(r, "interactive"));
            steps.Add("render batches until interactive", ws.Count(x => x.K == "recv" && x.L.Contains("JS.RenderBatch", StringComparison.Ordinal) && x.T <= N(r, "interactive")));
            steps.Add("WebSocket messages received until interactive", ws.Count(x => x.K == "recv" && x.T <= N(r, "interactive")));
            if (i == iterations + 2)
                lastWs = string.Join("\n", ws.Select(x => $"| {Fmt.Ms(x.T)} | {x.K} | {x.L} |"));
            foreach (var x in r.GetProperty("res").EnumerateArray())
            {
                var name = x.GetProperty("name").GetString()!;
                if (!resources.TryGetValue(name, out var e))
                    resources[name] = e = (new Samples(), new Samples(), [], x.GetProperty("blocking").GetString()!, x.GetProperty("body").GetInt64());
                e.Start.Add(x.GetProperty("start").GetDouble());
                e.End.Add(x.GetProperty("end").GetDouble());
                e.Transfer.Add(x.GetProperty("transfer").GetInt64());
            }
        }
        md.AppendLine("Full load of `/lockbox` (from the home page, as the browser table), ms since navigation start:").AppendLine();
        steps.Write(md, "step");
        md.AppendLine("The circuit's WebSocket messages of the last load (ms since navigation start):").AppendLine()
            .AppendLine("| at | direction | hub method(s) |").AppendLine("|---|---|---|").AppendLine(lastWs).AppendLine();
        md.AppendLine("Resources of the load (Resource Timing; transfer 0 = from the browser's cache):").AppendLine();
        md.AppendLine("| resource | start p50 | end p50 | end p95 | transfer bytes (median) | body bytes | render-blocking |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (name, e) in resources.OrderBy(x => x.Value.Start.P50))
            md.AppendLine($"| `{name}` | {Fmt.Ms(e.Start.P50)} | {Fmt.Ms(e.End.P50)} | {Fmt.Ms(e.End.P95)} | {e.Transfer.Order().ElementAt(e.Transfer.Count / 2)} | {e.Body} | {e.Blocking} |");
        md.AppendLine();
        await context.CloseAsync();
    }

    private const string ClickProbe = """
        ([selector]) => new Promise(resolve => {
          const link = () => document.querySelector('[data-testid=request-grid] tbody a.lb-grid-link');
          const first = () => link()?.textContent + '|' + link()?.getAttribute('href');
          const before = first();
          const from = window.__lbWs.length;
          const out = {};
          const obs = new MutationObserver(() => {
            out.mutations = (out.mutations ?? 0) + 1;
            if (out.firstMutation === undefined) out.firstMutation = performance.now();
            if (first() !== before) { obs.disconnect(); out.rows = performance.now();
              requestAnimationFrame(() => { out.frame = performance.now(); setTimeout(() => { out.painted = performance.now(); out.ws = window.__lbWs.slice(from); resolve(JSON.stringify(out)); }, 0); }); }
          });
          obs.observe(document.querySelector('[data-testid=request-grid]'), { childList: true, subtree: true, characterData: true, attributes: true });
          out.t0 = performance.now();
          document.querySelector(selector).click();
          out.clickReturned = performance.now();
        })
        """;

    private static async Task NextPageAsync(IBrowser browser, string state, string baseUrl, int iterations, bool trace, string outDir, StringBuilder md)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { StorageState = state, ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        await context.AddInitScriptAsync(WebSocketProbe);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/lockbox");
        await page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        await page.WaitForSelectorAsync(FirstRow);
        const string next = "[data-testid=request-grid] button[aria-label='Next page']";
        var steps = new Steps();
        for (var i = 0; i < iterations + 3; i++)
        {
            using var doc = JsonDocument.Parse(await page.EvaluateAsync<string>(ClickProbe, new object[] { next }));
            if (i < 3) continue;
            var r = doc.RootElement;
            var t0 = r.GetProperty("t0").GetDouble();
            double? Rel(string p) => r.TryGetProperty(p, out var v) ? v.GetDouble() - t0 : null;
            var ws = r.GetProperty("ws").EnumerateArray().Select(x => (T: x.GetProperty("t").GetDouble() - t0, K: x.GetProperty("k").GetString()!, L: x.GetProperty("l").GetString()!)).ToList();
            var batches = ws.Where(x => x.K == "recv" && x.L.Contains("JS.RenderBatch", StringComparison.Ordinal)).ToList();
            var acks = ws.Where(x => x.K == "send" && x.L.Contains("OnRenderCompleted", StringComparison.Ordinal)).ToList();
            steps.Add("click handler returned (Blazor's event dispatch in the browser)", Rel("clickReturned"));
            steps.Add("event sent on the WebSocket", ws.Where(x => x.K == "send" && (x.L.Contains("DispatchBrowserEvent", StringComparison.Ordinal) || x.L.Contains("BeginInvokeDotNet", StringComparison.Ordinal))).Select(x => (double?)x.T).FirstOrDefault());
            steps.Add("first render batch received", batches.Select(x => (double?)x.T).FirstOrDefault());
            steps.Add("first batch acknowledged (applied)", acks.Select(x => (double?)x.T).FirstOrDefault());
            steps.Add("first DOM mutation in the grid", Rel("firstMutation"));
            steps.Add("batch with the new rows received", batches.Where(x => x.T <= Rel("rows")).Select(x => (double?)x.T).LastOrDefault());
            steps.Add("new rows in the DOM", Rel("rows"));
            steps.Add("next animation frame (rAF)", Rel("frame"));
            steps.Add("**new rows painted** (rAF + setTimeout: the table's figure)", Rel("painted"));
            steps.Add("render batches received until painted", batches.Count);
            steps.Add("WebSocket messages sent / received until painted", ws.Count);
        }
        md.AppendLine("Next-page click (keyset), ms since the click:").AppendLine();
        steps.Write(md, "step");

        if (trace)
        {
            var tracer = await Tracer.StartAsync(page);
            for (var i = 0; i < 10; i++) await page.EvaluateAsync<string>(ClickProbe, new object[] { next });
            var bytes = await tracer.StopAsync();
            File.WriteAllBytes(Path.Combine(outDir, "browser-next.trace.json"), bytes);
            md.AppendLine("Main thread of the renderer over 10 next-page clicks (trace `browser-next.trace.json`), by kind, total of the 10:").AppendLine();
            SummariseTrace(bytes, md, null);
        }
        // What was measured, to look at after a change to the grid's markup or styles.
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(outDir, "browser-blade.png") });
        await page.GotoAsync("about:blank");
        await context.CloseAsync();
    }

    // BENCH_TRACE_CATEGORIES replaces the list for one look deeper (e.g. adding blink,blink.resource,cc: slower, so
    // the figures of that load grow).
    private static readonly string TraceCategories = Environment.GetEnvironmentVariable("BENCH_TRACE_CATEGORIES") ?? "devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing,loading,v8.execute,toplevel";

    /// <summary>A Chromium trace over the DevTools protocol (Tracing.start … Tracing.end, the trace read back as a stream).</summary>
    private sealed class Tracer(ICDPSession cdp)
    {
        private readonly TaskCompletionSource<string> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<Tracer> StartAsync(IPage page)
        {
            var tracer = new Tracer(await page.Context.NewCDPSessionAsync(page));
            tracer.Listen();
            await tracer.Cdp.SendAsync("Tracing.start", new Dictionary<string, object>
            {
                ["transferMode"] = "ReturnAsStream",
                ["traceConfig"] = new Dictionary<string, object> { ["includedCategories"] = TraceCategories.Split(',') },
            });
            return tracer;
        }

        private ICDPSession Cdp => cdp;

        private void Listen() => cdp.Event("Tracing.tracingComplete").OnEvent += (_, e) =>
            _stream.TrySetResult(e?.GetProperty("stream").GetString() ?? "");

        public async Task<byte[]> StopAsync()
        {
            await cdp.SendAsync("Tracing.end");
            var handle = await _stream.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var trace = new MemoryStream();
            while (true)
            {
                var chunk = await cdp.SendAsync("IO.read", new Dictionary<string, object> { ["handle"] = handle, ["size"] = 1 << 20 });
                var data = chunk!.Value.GetProperty("data").GetString() ?? "";
                var raw = chunk.Value.TryGetProperty("base64Encoded", out var b) && b.GetBoolean() ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data);
                trace.Write(raw);
                if (chunk.Value.TryGetProperty("eof", out var eof) && eof.GetBoolean()) break;
            }
            await cdp.SendAsync("IO.close", new Dictionary<string, object> { ["handle"] = handle });
            await cdp.DetachAsync();
            return trace.ToArray();
        }
    }

    /// <summary>
    /// The renderer main thread's time by kind of work: the outermost event of each kind counted once (a script inside a
    /// script is not counted twice), and the whole busy time of the thread (top-level tasks).
    /// </summary>
    private static void SummariseTrace(byte[] bytes, StringBuilder md, string? startMark)
    {
        using var doc = JsonDocument.Parse(bytes);
        var events = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("traceEvents");
        var mains = new HashSet<(int, int)>();
        foreach (var e in events.EnumerateArray())
            if (e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name"
                && e.GetProperty("args").GetProperty("name").GetString() == "CrRendererMain")
                mains.Add((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32()));
        var byThread = events.EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X" && e.TryGetProperty("dur", out _)
                && mains.Contains((e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32())))
            .Select(e => (Pid: e.GetProperty("pid").GetInt32(), Name: e.GetProperty("name").GetString()!, Ts: e.GetProperty("ts").GetDouble(), Dur: e.GetProperty("dur").GetDouble()))
            .GroupBy(e => e.Pid).OrderByDescending(g => g.Count()).FirstOrDefault()?.OrderBy(e => e.Ts).ThenByDescending(e => e.Dur).ToList();
        if (byThread is null) { md.AppendLine("(no renderer main thread in the trace)").AppendLine(); return; }
        double? origin = null;
        if (startMark is not null)
            foreach (var e in events.EnumerateArray())
                if (e.GetProperty("name").GetString() == startMark && byThread[0].Pid == e.GetProperty("pid").GetInt32()) origin = e.GetProperty("ts").GetDouble();

        var kinds = new (string Kind, string[] Names)[]
        {
            ("HTML parsing", ["ParseHTML"]),
            ("stylesheet parsing", ["ParseAuthorStyleSheet"]),
            ("script compile + evaluate (files)", ["EvaluateScript", "v8.compileModule", "EvaluateModule"]),
            ("script: callbacks (events, timers, frames, WebSocket messages, observers)", ["FunctionCall", "EventDispatch", "TimerFire", "FireAnimationFrame", "RunMicrotasks", "V8.Execute", "v8.callFunction"]),
            ("style recalculation", ["UpdateLayoutTree", "RecalculateStyles"]),
            ("layout", ["Layout"]),
            ("pre-paint, paint, layerize", ["PrePaint", "Paint", "Layerize", "UpdateLayer", "UpdateLayerTree", "CompositeLayers"]),
            ("commit to the compositor", ["Commit"]),
        };
        var rows = new List<(string, double, int)>();
        foreach (var (kind, names) in kinds)
        {
            double total = 0, end = double.MinValue;
            var count = 0;
            foreach (var e in byThread.Where(e => names.Contains(e.Name)))
            {
                if (e.Ts < end) continue; // nested in one already counted
                total += e.Dur;
                end = e.Ts + e.Dur;
                count++;
            }
            rows.Add((kind, total / 1000.0, count));
        }
        double busy = 0, busyEnd = double.MinValue;
        foreach (var e in byThread.Where(e => e.Name is "RunTask" or "ThreadControllerImpl::RunTask"))
        {
            if (e.Ts < busyEnd) continue;
            busy += e.Dur;
            busyEnd = e.Ts + e.Dur;
        }
        var first = byThread[0].Ts;
        var last = byThread.Max(e => e.Ts + e.Dur);
        md.AppendLine("| kind | ms | events |").AppendLine("|---|---|---|");
        foreach (var (kind, ms, count) in rows) md.AppendLine($"| {kind} | {Fmt.Ms(ms)} | {count} |");
        md.AppendLine($"| main thread busy (top-level tasks) | {Fmt.Ms(busy / 1000.0)} | |");
        md.AppendLine($"| traced span | {Fmt.Ms((last - first) / 1000.0)} | |").AppendLine();

        if (origin is { } o)
        {
            md.AppendLine("Main-thread tasks over 2 ms, ms since navigation start (what each spent most on):").AppendLine();
            md.AppendLine("| at | task ms | largest parts |").AppendLine("|---|---|---|");
            var tasks = byThread.Where(e => e.Name is "RunTask" or "ThreadControllerImpl::RunTask" && e.Dur >= 2000 && e.Ts >= o).ToList();
            double prevEnd = double.MinValue;
            foreach (var t in tasks)
            {
                if (t.Ts < prevEnd) continue;
                prevEnd = t.Ts + t.Dur;
                var parts = byThread.Where(e => e.Ts >= t.Ts && e.Ts + e.Dur <= t.Ts + t.Dur && e.Name is not ("RunTask" or "ThreadControllerImpl::RunTask"))
                    .GroupBy(e => e.Name).Select(g => (g.Key, Ms: g.Sum(x => x.Dur) / 1000.0)).OrderByDescending(x => x.Ms).Take(3)
                    .Select(x => $"{x.Key} {x.Ms.ToString("0.0", CultureInfo.InvariantCulture)}");
                md.AppendLine($"| {Fmt.Ms((t.Ts - o) / 1000.0)} | {Fmt.Ms(t.Dur / 1000.0)} | {string.Join(", ", parts)} |");
            }
            md.AppendLine();
        }
    }
}
