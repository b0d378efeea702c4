namespace LockboxPortal.FaultDrill;

public enum DrillVerb
{
    Approve,
    Deny,
}

/// <summary>One line of the plan: who decides which request, and how.</summary>
public sealed record PlannedDecision(Guid RequestId, DrillVerb Verb, string Approver);

/// <summary>
/// What the fault suite and the drill say to each other: the plan file the suite writes, the settings it passes,
/// and the lines the drill prints on standard output. Compiled into both (the suite links this file), so the two
/// cannot drift apart.
/// </summary>
public static class DrillProtocol
{
    /// <summary>Configuration keys, passed on the drill's command line as <c>--FaultDrill:Plan=...</c>.</summary>
    public const string PlanKey = "FaultDrill:Plan";
    public const string ThinkTimeKey = "FaultDrill:ThinkTimeMs";

    /// <summary>Every line of the drill starts with this; the portal's own log lines on the same stream do not.</summary>
    public const string Prefix = "@drill ";

    /// <summary>The host has started and the burst begins: <c>READY &lt;planned&gt;</c>.</summary>
    public const string Ready = "READY";

    /// <summary>Printed only after the service call returned, i.e. the decision committed: <c>DECIDED &lt;id&gt; &lt;status&gt; &lt;approver&gt;</c>.</summary>
    public const string Decided = "DECIDED";

    /// <summary>The service refused because another decision won: <c>CONFLICT &lt;id&gt; &lt;approver&gt;</c>.</summary>
    public const string Conflict = "CONFLICT";

    /// <summary>Anything else went wrong: <c>ERROR &lt;id&gt; &lt;approver&gt; &lt;message&gt;</c>.</summary>
    public const string Error = "ERROR";

    /// <summary><c>BURST-DONE &lt;decided&gt; &lt;conflicts&gt; &lt;already decided before this run&gt;</c>.</summary>
    public const string BurstDone = "BURST-DONE";

    /// <summary>No outbox message is pending any more: <c>DRAINED &lt;sent&gt; &lt;failed&gt;</c>. The drill then stops itself.</summary>
    public const string Drained = "DRAINED";

    public static string Line(string kind, params object[] parts) =>
        Prefix + string.Join(' ', new[] { kind }.Concat(parts.Select(p => Convert.ToString(p, System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>The kind and the space-separated fields of a drill line (the last field keeps its spaces), or false for any other line.</summary>
    public static bool TryParse(string? line, out string kind, out string[] fields, int maxFields = 8)
    {
        kind = "";
        fields = [];
        var at = line?.IndexOf(Prefix, StringComparison.Ordinal) ?? -1;
        if (at < 0) return false;
        var parts = line![(at + Prefix.Length)..].Split(' ', maxFields + 1);
        kind = parts[0];
        fields = parts[1..];
        return kind.Length > 0;
    }

    public static string FormatPlan(IEnumerable<PlannedDecision> plan) =>
        string.Concat(plan.Select(p => $"{p.RequestId} {p.Verb} {p.Approver}\n"));

    public static IReadOnlyList<PlannedDecision> ParsePlan(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' '))
            .Select(f => new PlannedDecision(Guid.Parse(f[0]), Enum.Parse<DrillVerb>(f[1]), f[2]))
            .ToList();
}
