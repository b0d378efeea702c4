namespace LockboxPortal.Bench;

public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public static BenchOptions Parse(IEnumerable<string> args)
    {
        var o = new BenchOptions();
        string? key = null;
        foreach (var a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal)) { key = a[2..]; o._values[key] = "true"; }
            else if (key is not null) { o._values[key] = a; key = null; }
        }
        return o;
    }

    public string Get(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;
    public string? Get(string key) => _values.GetValueOrDefault(key);
    public int GetInt(string key, int fallback) => _values.TryGetValue(key, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    /// <summary>
    /// How long a block waits for a quiet machine before it starts (<c>--quiet</c> seconds; 0 skips the wait, as a
    /// <c>--quick</c> run does): every latency block starts once the 1-minute load is below 1.5, as the issue's
    /// comparison was measured.
    /// </summary>
    public int QuietSeconds => GetInt("quiet", Get("quick") is not null ? 0 : 240);
    /// <summary>A copy with one option set differently.</summary>
    public BenchOptions With(string key, string value)
    {
        var copy = new BenchOptions();
        foreach (var (k, v) in _values) copy._values[k] = v;
        copy._values[key] = value;
        return copy;
    }

    public string OutDir => Directory.CreateDirectory(Get("out", "artifacts/bench")).FullName;
}
