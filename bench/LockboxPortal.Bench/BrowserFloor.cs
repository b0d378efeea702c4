using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace LockboxPortal.Bench;

/// <summary>
/// What this machine's Chromium allows without the portal: a yardstick for the browser figures beside it. The same two
/// measurements as the blade's (a full load until its first row is painted: the later of the frame after the row and
/// first-contentful-paint; 25 rows replaced until painted) on pages the harness serves itself on loopback, with no
/// Blazor, no circuit and no server work behind them:
/// <list type="bullet">
/// <item>a one-row page with no stylesheet, loaded from a plain page: the floor of any full load here;</item>
/// <item>the blade's own prerendered page (taken from the portal with Carol's cookie) with its scripts removed, its
///   stylesheets served alongside and cached: our markup and CSS without Blazor;</item>
/// <item>in that page, the grid's 25 rows replaced by a script: the browser's own share of a next-page click.</item>
/// </list>
/// The pages come from the harness's own origin (the portal's responses say Cross-Origin-Resource-Policy: same-origin,
/// and Playwright's request interception would turn the browser's cache off).
/// </summary>
internal static class BrowserFloor
{
    private const string Start = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>start</title></head><body><p>start</p></body></html>";

    private const string OneRow = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>one row</title></head><body>
        <div data-testid="request-grid"><table><tbody><tr><td><a class="lb-grid-link" href="#">LBX-0001</a></td><td>Customer Notified</td></tr></tbody></table></div>
        </body></html>
        """;

    // The blade's probe without the interactive figure (these pages never become interactive).
    private static readonly string FirstRowProbe =
        $"(() => {{ const signal = () => console.debug('{BrowserBenchmarks.MeasuredSignal}'); {BrowserBenchmarks.FirstRowPainted} }})();";

    // Replaces the grid's rows with the given markup (as Blazor inserts a row's one markup string), then waits for the
    // frame and a task after it: the next-page figure's end, without the click's round trip to the server.
    private const string ReplaceRows = """
        (html) => new Promise(resolve => {
          const body = document.querySelector('[data-testid=request-grid] tbody');
          const t0 = performance.now();
          body.innerHTML = html;
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
        })
        """;

    public static async Task MeasureAsync(IBrowser browser, string state, string baseUrl, int iterations, Report report, string? variantsOut = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { StorageState = state });
        var blade = await context.APIRequest.GetAsync($"{baseUrl}/lockbox");
        var bladeHtml = await blade.TextAsync();
        if (!blade.Ok || !bladeHtml.Contains("lb-grid-link", StringComparison.Ordinal))
            throw new InvalidOperationException($"The blade's prerendered page did not come back with rows (HTTP {blade.Status}).");

        using var pages = new StaticPages(baseUrl);
        pages.Add("/start", Start);
        pages.Add("/one-row", OneRow);
        pages.Add("/blade", WithoutScripts(bladeHtml));
        await context.AddInitScriptAsync(FirstRowProbe);
        var page = await context.NewPageAsync();

        var oneRow = await LoadsAsync(page, pages.Url("/start"), pages.Url("/one-row"), iterations);
        var staticBlade = await LoadsAsync(page, pages.Url("/start"), pages.Url("/blade"), iterations);
        if (variantsOut is not null) await VariantsAsync(page, pages, bladeHtml, iterations, variantsOut);

        // The page's own 25 rows, and the same rows in reverse order: each replacement builds 25 new rows.
        await page.GotoAsync(pages.Url("/blade")); // the variants, when run, left another page open
        var rows = await page.EvaluateAsync<string>("() => document.querySelector('[data-testid=request-grid] tbody').innerHTML");
        var rowCount = Regex.Matches(rows, "<tr[ >]").Count;
        var reversed = string.Concat(Regex.Matches(rows, "<tr[ >].*?</tr>", RegexOptions.Singleline).Select(m => m.Value).Reverse());
        var replaced = new Samples();
        for (var i = 0; i < iterations + 3; i++)
        {
            var ms = await page.EvaluateAsync<double>(ReplaceRows, i % 2 == 0 ? reversed : rows);
            if (i >= 3) replaced.Add(ms);
        }
        await context.CloseAsync();

        report.Latency("For contrast, no portal: a one-row page without a stylesheet, from a plain page → first row painted", oneRow,
            detail: "the floor of a full load in this browser on this machine");
        report.Latency("For contrast, no Blazor: the blade's prerendered page, scripts removed, from a plain page → first row painted", staticBlade,
            detail: "our markup and stylesheets, no circuit");
        report.Latency($"For contrast, no server: the blade's {rowCount} rows replaced by a script → painted", replaced,
            detail: "the browser's share of a next-page click");
    }

    /// <summary>
    /// <c>--variants</c>: the static blade without one part at a time (MudBlazor's stylesheet, every stylesheet, the SVG
    /// icons, the persisted state; what software rasterization pays for: shadows, rounded corners, glyphs, the rows
    /// themselves), twice in turn, so what each part costs the first paint can be read against the noise.
    /// </summary>
    private static async Task VariantsAsync(IPage page, StaticPages pages, string bladeHtml, int iterations, string outFile)
    {
        var blade = WithoutScripts(bladeHtml);
        var variants = new Dictionary<string, string>
        {
            ["the static blade"] = blade,
            ["without MudBlazor's stylesheet"] = Regex.Replace(blade, "<link rel=\"stylesheet\" href=\"_content/MudBlazor/[^>]*>", ""),
            ["without any stylesheet"] = Regex.Replace(blade, "<link rel=\"stylesheet\"[^>]*>", ""),
            ["without the SVG icons"] = Regex.Replace(blade, "<svg.*?</svg>", "", RegexOptions.Singleline),
            ["without the persisted state"] = Regex.Replace(blade, "<!--Blazor-Server-Component-State:.*?-->", "", RegexOptions.Singleline),
            ["without box shadows"] = blade.Replace("</head>", "<style>*,*::before,*::after{box-shadow:none!important}</style></head>"),
            ["without rounded corners"] = blade.Replace("</head>", "<style>*,*::before,*::after{border-radius:0!important}</style></head>"),
            ["without text (transparent)"] = blade.Replace("</head>", "<style>*{color:transparent!important}</style></head>"),
            ["rows hidden"] = blade.Replace("</head>", "<style>[data-testid=request-grid] tbody{visibility:hidden}</style></head>"),
        };
        var md = new StringBuilder("| page, from a plain page → first row painted | round | p50 ms | p95 ms | n | load |\n|---|---|---|---|---|---|\n");
        var i = 0;
        foreach (var (_, html) in variants) pages.Add($"/variant-{i++}", html);
        for (var round = 1; round <= 2; round++)
        {
            i = 0;
            foreach (var name in variants.Keys)
            {
                var v = await LoadsAsync(page, pages.Url("/start"), pages.Url($"/variant-{i++}"), iterations);
                md.Append($"| {name} | {round} | {Fmt.Ms(v.P50)} | {Fmt.Ms(v.P95)} | {v.Count} | {Fmt.Load()} |\n");
                Console.WriteLine($"floor variant {name,-32} round {round}: p50 {Fmt.Ms(v.P50)} / p95 {Fmt.Ms(v.P95)} ms (load {Fmt.Load()})");
            }
        }
        File.WriteAllText(outFile, md.ToString());
    }

    private static async Task<Samples> LoadsAsync(IPage page, string from, string url, int iterations)
    {
        var s = new Samples();
        for (var i = 0; i < iterations + 3; i++)
        {
            await page.GotoAsync(from);
            await BrowserBenchmarks.GotoUntilMeasuredAsync(page, url);
            var ms = await page.EvaluateAsync<double>("() => window.__firstRow");
            if (i >= 3) s.Add(ms);
        }
        return s;
    }

    /// <summary>The page without its scripts (the import map, Blazor's and the portal's): markup and stylesheets only.</summary>
    internal static string WithoutScripts(string html) =>
        Regex.Replace(html, "<script\\b[^>]*>.*?</script>", "", RegexOptions.Singleline | RegexOptions.IgnoreCase);

    /// <summary>
    /// The floor's pages on a loopback port of the harness's own. Any other path (the blade's stylesheets) is fetched
    /// once from the portal and served from memory with a year's max-age, so the browser caches it as it does the
    /// portal's fingerprinted assets.
    /// </summary>
    private sealed class StaticPages : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentDictionary<string, (byte[] Body, string Type, bool Page)> _files = new();
        private readonly HttpClient _portal;
        private readonly string _origin;

        public StaticPages(string portalBaseUrl)
        {
            _portal = new HttpClient { BaseAddress = new Uri(portalBaseUrl.TrimEnd('/') + "/") };
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _origin = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(_origin + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Url(string path) => _origin + path;

        public void Add(string path, string html) => _files[path] = (Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8", true);

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception) when (!_listener.IsListening) { return; }
                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var response = context.Response;
            try
            {
                var path = context.Request.Url!.PathAndQuery;
                if (!_files.TryGetValue(path, out var file))
                {
                    using var asset = await _portal.GetAsync(path.TrimStart('/'));
                    if (!asset.IsSuccessStatusCode) { response.StatusCode = (int)asset.StatusCode; return; }
                    file = (await asset.Content.ReadAsByteArrayAsync(), asset.Content.Headers.ContentType?.ToString() ?? "application/octet-stream", false);
                    _files.TryAdd(path, file);
                }
                response.ContentType = file.Type;
                response.Headers["Cache-Control"] = file.Page ? "no-store" : "public, max-age=31536000, immutable";
                response.ContentLength64 = file.Body.Length;
                await response.OutputStream.WriteAsync(file.Body);
            }
            catch (Exception ex)
            {
                Console.WriteLine($"floor: {context.Request.Url}: {ex.Message}");
                response.StatusCode = 500;
            }
            finally
            {
                response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _portal.Dispose();
        }
    }
}
