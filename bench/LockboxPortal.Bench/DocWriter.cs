using System.Text.RegularExpressions;

namespace LockboxPortal.Bench;

/// <summary>Replaces the text between <c>&lt;!-- bench:NAME --&gt;</c> and <c>&lt;!-- /bench:NAME --&gt;</c> with out/NAME.md.</summary>
public static class DocWriter
{
    public static int Run(BenchOptions options)
    {
        var docPath = options.Get("doc", "docs/performance.md");
        var doc = File.ReadAllText(docPath);
        foreach (Match m in Regex.Matches(doc, @"<!-- bench:([a-z0-9-]+) -->"))
        {
            var name = m.Groups[1].Value;
            var fragment = Path.Combine(options.OutDir, name + ".md");
            if (!File.Exists(fragment)) { Console.WriteLine($"no {fragment}; {name} left as it was"); continue; }
            var body = File.ReadAllText(fragment).TrimEnd();
            doc = Regex.Replace(doc, $@"<!-- bench:{name} -->.*?<!-- /bench:{name} -->",
                _ => $"<!-- bench:{name} -->\n{body}\n<!-- /bench:{name} -->", RegexOptions.Singleline);
        }
        File.WriteAllText(docPath, doc);
        Console.WriteLine($"updated {docPath}");
        return 0;
    }
}
