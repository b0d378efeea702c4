using System.Collections.Concurrent;
using System.Diagnostics;
using LockboxPortal.EndToEnd.Tests.Support;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Scaling;
using LockboxPortal.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using StackExchange.Redis;

namespace LockboxPortal.EndToEnd.Tests.MultiInstance;

/// <summary>
/// Runs alone: three portal processes, Redis and Chromium want both cores, and its timings would mean little
/// beside the other browser suites.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiInstanceCollection : ICollectionFixture<MultiInstancePortal>
{
    public const string Name = "Several portal instances (runs alone)";
}

/// <summary>
/// Three portal instances (A, B and C, each <c>dotnet LockboxPortal.Web.dll</c> on its own loopback port) on one
/// SQLite file, one real redis-server and one Data Protection key ring in the database, as behind a load
/// balancer; and Chromium. Started once for the collection, stopped by process id. The test data is made by
/// the real services over the same file (<see cref="Data"/>), which also reads the outcome.
/// </summary>
public sealed class MultiInstancePortal : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private IPlaywright? _playwright;
    private ConnectionMultiplexer? _redisClient;
    private readonly ConcurrentDictionary<string, string> _figures = new();

    public RedisServer Redis { get; } = new();

    /// <summary>The application services over the shared file, on the real clock (the instances run on it).</summary>
    public PortalFixture Data { get; } = new(s =>
    {
        s["DataProtection:Store"] = "Database";
        s["RateLimits:RequestFiling:PermitLimit"] = "100000";
    }, services => services.AddSingleton(TimeProvider.System), sqliteOnly: true);

    public PortalProcess A { get; private set; } = null!;
    public PortalProcess B { get; private set; } = null!;

    /// <summary>The instance the SIGKILL test kills; the other tests use only A and B.</summary>
    public PortalProcess C { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string Directory => Path.GetDirectoryName(Data.DatabasePath)!;
    public string MailDirectory => Path.Combine(Directory, "data", "mail");

    /// <summary>The filing limit the instances enforce (the fixture's own services do not count against it).</summary>
    public const int FilingLimit = 3;

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        await Data.InitializeAsync();
        // The key ring's first key, made before any instance starts, so no two instances each make their own.
        Data.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("multi-instance").Protect("warm-up"u8.ToArray());

        // A first: it applies nothing (the file is migrated) but is the first to touch the file and the ring.
        A = await PortalProcess.StartAsync("A", Settings(), StartTimeout);
        var others = await Task.WhenAll(PortalProcess.StartAsync("B", Settings(), StartTimeout), PortalProcess.StartAsync("C", Settings(), StartTimeout));
        (B, C) = (others[0], others[1]);
        _redisClient = await ConnectionMultiplexer.ConnectAsync(Redis.Configuration + ",abortConnect=false");
        foreach (var instance in new[] { A, B, C }) await WaitForReadinessAsync(instance, "Healthy", TimeSpan.FromSeconds(30));

        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = PortalServer.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>The settings every instance runs with: the shared database, Redis and mail folder.</summary>
    public Dictionary<string, string> Settings() => new()
    {
        ["Database:Provider"] = "Sqlite",
        ["ConnectionStrings:Lockbox"] = Data.ConnectionString,
        ["Redis:Configuration"] = Redis.Configuration,
        ["DataProtection:Store"] = "Database",
        ["Email:PickupDirectory"] = MailDirectory,
        ["Audit:Anchors:Folder"] = Path.Combine(Directory, "data", "audit-digests"),
        ["Demo:SeedData"] = "false",
        ["RateLimits:RequestFiling:PermitLimit"] = FilingLimit.ToString(),
        ["RateLimits:RequestFiling:Window"] = "00:10:00",
        // Every browser here signs in from 127.0.0.1; the sign-in limit has tests of its own.
        ["RateLimits:SignIn:PermitLimit"] = "10000",
        // A SIGKILL mid-dispatch leaves its batch claimed this long (the shortest lease the options allow).
        ["Email:ClaimLease"] = "00:00:10",
        ["Email:PollInterval"] = "00:00:00.500",
        ["Portal:MailFrom"] = Data.Configuration["Portal:MailFrom"]!,
    };

    /// <summary>A fresh browser context (own cookies, own circuits) with short timeouts: a dead instance must not stall a test for long.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        context.SetDefaultTimeout(20_000);
        context.SetDefaultNavigationTimeout(30_000);
        return context;
    }

    /// <summary>Signs <paramref name="persona"/> in through the sign-in page of the instance at <paramref name="baseUrl"/>.</summary>
    public static async Task<IPage> SignInAsync(IBrowserContext context, string baseUrl, DemoPersona persona)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/account/signin");
        await page.ClickAsync($"[data-testid=persona-{persona.Key}]");
        await page.WaitForAddressAsync($"{baseUrl}/");
        await PortalServer.WaitForCircuitAsync(page);
        return page;
    }

    public static async Task OpenAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await PortalServer.WaitForCircuitAsync(page);
    }

    /// <summary>Waits until <paramref name="count"/> connections listen on a Redis channel (a page's subscription is sent in the background).</summary>
    public async Task WaitForListenersAsync(string channel, int count = 1, int timeoutSeconds = 20)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(timeoutSeconds))
        {
            try
            {
                var reply = (RedisResult[])(await _redisClient!.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "lockbox:" + channel))!;
                if ((long)reply[1] >= count) return;
            }
            catch (RedisException) { }
            await Task.Delay(50);
        }
        Assert.Fail($"Fewer than {count} listeners on lockbox:{channel} after {timeoutSeconds} s.");
    }

    /// <summary>Polls <c>/health/ready</c> until its first line is <paramref name="status"/>; returns the whole answer.</summary>
    public static async Task<string> WaitForReadinessAsync(PortalProcess instance, string status, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var last = "";
        while (clock.Elapsed < timeout)
        {
            try
            {
                last = await http.GetStringAsync($"{instance.BaseUrl}/health/ready");
                if (last.Split('\n')[0] == status) return last;
            }
            catch (HttpRequestException ex) { last = ex.Message; }
            catch (TaskCanceledException) { last = "timed out"; }
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"Instance {instance.Name}'s readiness did not become {status} within {timeout.TotalSeconds:0} s; last answer: {last}\n{instance.Tail(15)}");
    }

    /// <summary>Keeps a measured figure for artifacts/multi-instance.txt (rewritten at once, so a later failure keeps it) and prints it.</summary>
    public void Record(Xunit.Abstractions.ITestOutputHelper output, string name, string value)
    {
        _figures[name] = value;
        output.WriteLine($"{name}: {value}");
        var path = Path.Combine(Path.GetDirectoryName(PortalServer.ScreenshotDirectory)!, "multi-instance.txt");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var lines = _figures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}: {f.Value}");
        File.WriteAllLines(path, [$"# Multi-instance suite (3 portal processes, one SQLite file, redis-server, Chromium), {DateTime.UtcNow:u}", .. lines]);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        foreach (var instance in new[] { C, B, A })
            if (instance is not null) await instance.DisposeAsync();
        _redisClient?.Dispose();
        await Redis.DisposeAsync();
        await Data.DisposeAsync();
    }
}
