using System.Text;

namespace LockboxPortal.Bench;

/// <summary>One measured figure against its goal; fragments land in the out folder and DocWriter puts them in the doc.</summary>
public sealed record Figure(string Name, string Value, string Goal, bool? Met, string Detail = "");

public sealed class Report(string outDir, string name)
{
    private readonly List<Figure> _figures = [];
    private readonly StringBuilder _extra = new();

    /// <summary>The load when the current block started (<see cref="Fmt.WaitForQuietAsync"/>): figures then show start → end.</summary>
    public string? BlockStartLoad { get; set; }

    /// <summary>Waits up to <paramref name="quietSeconds"/> (0: not at all) for the 1-minute load to fall below 1.5, and marks the block's start.</summary>
    public async Task QuietStartAsync(int quietSeconds) =>
        BlockStartLoad = quietSeconds > 0 ? await Fmt.WaitForQuietAsync(1.5, quietSeconds) : Fmt.Load();

    public void Add(Figure f)
    {
        _figures.Add(f);
        _loads[f] = BlockStartLoad is null ? Fmt.Load() : $"{BlockStartLoad} → {Fmt.Load()}";
        Console.WriteLine($"{f.Name,-58} {f.Value,-28} goal {f.Goal,-12} {(f.Met is null ? "" : f.Met.Value ? "met" : "MISSED")}  (load {Fmt.Load()})");
    }

    public void Latency(string label, Samples s, double? goalP95 = null, string detail = "") =>
        Add(new Figure(label, $"p50 {Fmt.Ms(s.P50)} / p95 {Fmt.Ms(s.P95)} ms (n={s.Count})",
            goalP95 is { } g ? $"p95 ≤ {g} ms" : "—", goalP95 is { } g2 ? s.P95 <= g2 : null, detail));

    public StringBuilder Extra => _extra;

    public void Write()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| measurement | figure | goal | met | load (1 min) |").AppendLine("|---|---|---|---|---|");
        foreach (var f in _figures)
            sb.AppendLine($"| {f.Name}{(f.Detail.Length > 0 ? " — " + f.Detail : "")} | {f.Value} | {f.Goal} | {(f.Met is null ? "" : f.Met.Value ? "yes" : "**no**")} | {LoadAt[f]} |");
        File.WriteAllText(Path.Combine(outDir, name + ".md"), sb.ToString());
        if (_extra.Length > 0) File.WriteAllText(Path.Combine(outDir, name + "-extra.md"), _extra.ToString());
    }

    private readonly Dictionary<Figure, string> _loads = [];
    private Dictionary<Figure, string> LoadAt
    {
        get { foreach (var f in _figures) _loads.TryAdd(f, Fmt.Load()); return _loads; }
    }
}
