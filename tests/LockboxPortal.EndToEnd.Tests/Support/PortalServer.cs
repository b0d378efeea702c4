using System.Collections.Concurrent;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LockboxPortal.EndToEnd.Tests.Support;

/// <summary>
/// The portal on real Kestrel (a free loopback port, its own SQLite file and demo data) and Debian's
/// Chromium driven by Playwright. Shared by the tests of one collection.
/// </summary>
public sealed class PortalServer : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly CapturingFactory _factory = new();

    /// <summary>The portal with every log event also kept in memory, for tests that check what was logged.</summary>
    private sealed class CapturingFactory() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["Lockbox:SweepInterval"] = "00:00:05",
    })
    {
        public Capture Sink { get; } = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<Serilog.Core.ILogEventSink>(Sink));
        }
    }

    private sealed class Capture : Serilog.Core.ILogEventSink
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public void Emit(Serilog.Events.LogEvent e) =>
            Lines.Enqueue($"[{e.Level switch
            {
                Serilog.Events.LogEventLevel.Fatal => "FTL",
                Serilog.Events.LogEventLevel.Error => "ERR",
                Serilog.Events.LogEventLevel.Warning => "WRN",
                Serilog.Events.LogEventLevel.Information => "INF",
                _ => "DBG",
            }}] {e.RenderMessage()}");
    }

    /// <summary>The portal's log lines so far: level and rendered message.</summary>
    public IEnumerable<string> LogLines => _factory.Sink.Lines;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IServiceProvider Services => _factory.Services;

    /// <summary>Where screenshots go: artifacts/screenshots at the repository root, kept with the test output.</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task InitializeAsync()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "localhost").Replace("0.0.0.0", "localhost").Replace("127.0.0.1", "localhost").TrimEnd('/');

        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A fresh browser context signed in as <paramref name="persona"/> through the sign-in page, on the home page.</summary>
    public async Task<IPage> SignInAsync(DemoPersona persona, int width = 1366, int height = 900, ColorScheme colorScheme = ColorScheme.Light)
    {
        var page = await NewPageAsync(width, height, storageState: null, colorScheme);
        await page.GotoAsync($"{BaseUrl}/account/signin");
        await page.ClickAsync($"[data-testid=persona-{persona.Key}]");
        await page.WaitForAddressAsync($"{BaseUrl}/");
        await WaitForCircuitAsync(page);
        return page;
    }

    /// <summary>
    /// A fresh browser context (own cookies, own circuits) carrying <paramref name="persona"/>'s sign-in, on a
    /// blank page. The sign-in itself goes through the sign-in page once per persona and run; later contexts
    /// start from its cookies, which saves each test a sign-in page and a home page with their circuits.
    /// </summary>
    public async Task<IPage> NewSessionAsync(DemoPersona persona, int width = 1366, int height = 900) =>
        await NewPageAsync(width, height, await _sessions.GetOrAdd(persona.Key, _ => SignInOnceAsync(persona)));

    /// <summary><see cref="NewSessionAsync"/> on <paramref name="path"/>, interactive.</summary>
    public async Task<IPage> OpenAsAsync(DemoPersona persona, string path, int width = 1366, int height = 900, WaitUntilState until = WaitUntilState.Load)
    {
        var page = await NewSessionAsync(persona, width, height);
        await page.OpenAsync(this, path, until);
        return page;
    }

    private readonly ConcurrentDictionary<string, Task<string>> _sessions = new();

    private async Task<string> SignInOnceAsync(DemoPersona persona)
    {
        var page = await SignInAsync(persona);
        try { return await page.Context.StorageStateAsync(); }
        finally { await page.Context.CloseAsync(); }
    }

    private async Task<IPage> NewPageAsync(int width, int height, string? storageState, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            StorageState = storageState,
            ColorScheme = colorScheme,
        });
        // Generous: CI machines have two cores and the suite runs the portal, Chromium and the tests at once.
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(45_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Waits until the page is interactive (the layout marks itself once its circuit has rendered), so a
    /// click never lands on the prerendered page and gets lost.
    /// </summary>
    public static Task WaitForCircuitAsync(IPage page) =>
        page.WaitForSelectorAsync("[data-interactive=true]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await _factory.DisposeAsync();
    }

    private static string FindScreenshotDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LockboxPortal.sln")))
                return Path.Combine(dir.FullName, "artifacts", "screenshots");
        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalServer>
{
    public const string Name = "Portal in a browser";
}
