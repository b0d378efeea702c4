using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace LockboxPortal.Infrastructure.Persistence;

/// <summary>
/// <c>lockbox_like(pattern, value)</c> for SQLite: LIKE with the escape character <c>\</c>, ignoring case in every
/// script (SQLite's own LIKE folds A–Z only), as SQL Server's collation compares. <c>%</c> is any run of characters,
/// <c>_</c> one character (a surrogate pair counts as one, as in SQLite). Used by searches whose text is not all ASCII
/// (<see cref="Application.Common.TextSearch"/>).
/// </summary>
internal static class SqliteUnicodeLike
{
    public const string FunctionName = "lockbox_like";

    // Patterns are a user's search texts: a few distinct ones at a time. Cleared, not grown, past the bound.
    private const int MaxCached = 256;
    private static readonly ConcurrentDictionary<string, Regex> Compiled = new(StringComparer.Ordinal);

    public static void Register(SqliteConnection connection) =>
        connection.CreateFunction<string?, string?, bool?>(FunctionName, IsMatch, isDeterministic: true);

    /// <summary>Null when either side is null, as LIKE answers.</summary>
    public static bool? IsMatch(string? pattern, string? value) =>
        pattern is null || value is null ? null : RegexFor(pattern).IsMatch(value);

    private static Regex RegexFor(string pattern)
    {
        if (Compiled.TryGetValue(pattern, out var regex)) return regex;
        if (Compiled.Count >= MaxCached) Compiled.Clear();
        return Compiled.GetOrAdd(pattern, static p => new Regex(Translate(p),
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1)));
    }

    private static string Translate(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                i++;
                AppendLiteral(regex, pattern, ref i);
            }
            else if (c == '%') regex.Append(".*");
            else if (c == '_') regex.Append(@"(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|.)");
            else AppendLiteral(regex, pattern, ref i);
        }
        return regex.Append(@"\z").ToString(); // \z, not $: $ also matches before a final line break
    }

    /// <summary>The character at <paramref name="i"/> (with its low surrogate, if it is the high one) as a literal.</summary>
    private static void AppendLiteral(StringBuilder regex, string pattern, ref int i)
    {
        var length = char.IsHighSurrogate(pattern[i]) && i + 1 < pattern.Length && char.IsLowSurrogate(pattern[i + 1]) ? 2 : 1;
        regex.Append(Regex.Escape(pattern.Substring(i, length)));
        i += length - 1;
    }
}
