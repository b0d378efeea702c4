using System.Diagnostics;
using System.Globalization;

namespace LockboxPortal.Bench;

/// <summary>Latency samples in milliseconds, summarised as median and p95 (nearest rank).</summary>
public sealed class Samples
{
    private readonly List<double> _ms = [];

    public int Count => _ms.Count;
    public void Add(double ms) { lock (_ms) _ms.Add(ms); }
    public void Add(TimeSpan t) => Add(t.TotalMilliseconds);

    public double Percentile(double p)
    {
        if (_ms.Count == 0) return double.NaN;
        var sorted = _ms.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public double P50 => Percentile(50);
    public double P95 => Percentile(95);
    public double Max => _ms.Count == 0 ? double.NaN : _ms.Max();

    public static async Task<Samples> TimeAsync(int warmup, int iterations, Func<int, Task> action)
    {
        for (var i = 0; i < warmup; i++) await action(i);
        var s = new Samples();
        for (var i = 0; i < iterations; i++)
        {
            var sw = Stopwatch.StartNew();
            await action(warmup + i);
            s.Add(sw.Elapsed);
        }
        return s;
    }
}

public static class Fmt
{
    public static string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString(v < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);
    public static string Num(double v, string format = "0") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The 1-minute load average, read from /proc/loadavg: the bench says how busy the machine was.</summary>
    public static string Load()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "?"; }
    }

    /// <summary>
    /// Waits until the 1-minute load average is below <paramref name="below"/> (at most <paramref name="maxSeconds"/>), so a
    /// latency block starts on a quiet machine rather than on the tail of the block before it (100 browser contexts, the
    /// service benchmarks' approvers). Returns the load it starts at.
    /// </summary>
    public static async Task<string> WaitForQuietAsync(double below = 1.5, int maxSeconds = 240)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed.TotalSeconds < maxSeconds
               && double.TryParse(Load(), NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load >= below)
            await Task.Delay(2000);
        Console.WriteLine($"  load {Load()} after waiting {waited.Elapsed.TotalSeconds:0} s for it to fall below {below.ToString(CultureInfo.InvariantCulture)}");
        return Load();
    }
}
