namespace LockboxPortal.Application.Common;

/// <summary>
/// A user's search text as a LIKE pattern that finds it literally, on SQLite and SQL Server alike: its own %, _ and
/// \ are escaped, and so is [, which SQL Server reads as the start of a character set ("[ext]" would match any e, x or
/// t) and SQLite does not. Use with <see cref="Escape"/> as the LIKE's escape character.
/// </summary>
public static class LikePattern
{
    public const string Escape = "\\";

    /// <summary>The pattern for a column that contains <paramref name="text"/> anywhere.</summary>
    public static string Containing(string text) => "%" + Literal(text) + "%";

    /// <summary>
    /// The pattern for a column that contains <paramref name="text"/> with any one character in place of each character
    /// outside ASCII: on SQLite, whose LIKE folds A–Z only, it finds at least every value that contains the text ignoring
    /// case in every script, cheaply, before <see cref="TextSearch.LikeIgnoringCase"/> decides on the few it finds.
    /// </summary>
    public static string ContainingAnyCharacterOutsideAscii(string text)
    {
        var pattern = new System.Text.StringBuilder("%", text.Length + 2);
        foreach (var rune in text.EnumerateRunes())
            pattern.Append(rune.IsAscii ? Literal(rune.ToString()) : "_");
        return pattern.Append('%').ToString();
    }

    /// <summary>
    /// The pattern for a column equal to <paramref name="text"/> ignoring case, and perhaps a few more: on SQLite and on
    /// SQL Server alike it finds every value that <c>string.Equals(value, text, StringComparison.OrdinalIgnoreCase)</c>
    /// takes as equal, so the database can narrow the rows and .NET decide. Neither database folds case as .NET does
    /// (SQLite's LIKE folds A–Z only, SQL Server follows its collation), so each run of characters outside ASCII becomes
    /// %: no character outside ASCII equals one inside it ignoring case, and the ASCII ones both databases fold.
    /// </summary>
    public static string EqualIgnoringCase(string text)
    {
        var pattern = new System.Text.StringBuilder(text.Length + 4);
        var wildcard = false; // the pattern ends with the wildcard of a run outside ASCII
        foreach (var c in text)
        {
            if (char.IsAscii(c))
            {
                pattern.Append(Literal(c.ToString()));
                wildcard = false;
            }
            else if (!wildcard)
            {
                pattern.Append('%');
                wildcard = true;
            }
        }
        return pattern.ToString();
    }

    private static string Literal(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace("[", "\\[");
}
