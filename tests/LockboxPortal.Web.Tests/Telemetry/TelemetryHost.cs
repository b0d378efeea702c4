using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LockboxPortal.Web.Tests.Telemetry;

/// <summary>
/// Telemetry tests run alone: instruments are matched by meter name across the whole process, so another
/// portal host recording decisions at the same time would show up in these exporters.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryHosts
{
    public const string Name = "Telemetry hosts";
}

/// <summary>
/// A portal exporting over OTLP (HTTP/protobuf) to a real receiver on loopback, with in-memory exporters added
/// beside it so a test can read what was recorded.
/// </summary>
/// <param name="dispatchInBackground">False: no outbox worker, so a test decides when messages are sent.</param>
public sealed class TelemetryHost(OtlpReceiver receiver, IDictionary<string, string?>? settings = null, TimeProvider? time = null,
    bool dispatchInBackground = true)
    : PortalWebFactory(Settings(receiver, settings))
{
    // Exporters add from whichever thread ends a span or writes a log (background workers included), while
    // a test reads: the collections lock, and a read enumerates a copy.
    public LockedCollection<Activity> Spans { get; } = new();
    public LockedCollection<MetricSnapshot> Metrics { get; } = new();
    public LockedCollection<LogRecord> Logs { get; } = new();

    private static Dictionary<string, string?> Settings(OtlpReceiver receiver, IDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OpenTelemetry:OtlpEndpoint"] = receiver.Endpoint,
            ["OpenTelemetry:OtlpProtocol"] = "HttpProtobuf",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
        return settings;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            if (time is not null) services.AddSingleton(time);
            if (!dispatchInBackground)
                foreach (var worker in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "OutboxDispatchWorker").ToList())
                    services.Remove(worker);
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(Metrics));
            services.ConfigureOpenTelemetryLoggerProvider(l => l.AddInMemoryExporter(Logs));
        });
    }

    /// <summary>Collects every instrument now (gauges included) and returns the newest point of each stream of <paramref name="name"/>.</summary>
    public IReadOnlyList<MetricPoint> Collect(string name)
    {
        Metrics.Clear();
        Assert.True(Services.GetRequiredService<MeterProvider>().ForceFlush(10_000), "metrics were not collected in time");
        var points = new List<MetricPoint>();
        foreach (var metric in Metrics.Where(m => m.Name == name))
            points.AddRange(metric.MetricPoints);
        return points;
    }

    public static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value?.ToString();
        return null;
    }

    public void FlushSpans() => Assert.True(Services.GetRequiredService<TracerProvider>().ForceFlush(10_000), "spans were not exported in time");
}

/// <summary>A collection an exporter can add to from any thread while a test enumerates a snapshot of it.</summary>
public sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count { get { lock (_items) return _items.Count; } }
    public bool IsReadOnly => false;
    public void Add(T item) { lock (_items) _items.Add(item); }
    public void Clear() { lock (_items) _items.Clear(); }
    public bool Contains(T item) { lock (_items) return _items.Contains(item); }
    public void CopyTo(T[] array, int arrayIndex) { lock (_items) _items.CopyTo(array, arrayIndex); }
    public bool Remove(T item) { lock (_items) return _items.Remove(item); }
    public IEnumerator<T> GetEnumerator() { lock (_items) return _items.ToList().GetEnumerator(); }
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An OTLP/HTTP endpoint on loopback that accepts every export and remembers which signals arrived.</summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<string> _paths = [];

    public OtlpReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Endpoint { get; }

    public IReadOnlyList<string> Paths
    {
        get { lock (_gate) return [.. _paths]; }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }

            using (var body = new MemoryStream())
            {
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.HttpMethod == "POST" && body.Length > 0)
                    lock (_gate) _paths.Add(context.Request.Url!.AbsolutePath);
            }
            // An empty Export*ServiceResponse: everything accepted.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
