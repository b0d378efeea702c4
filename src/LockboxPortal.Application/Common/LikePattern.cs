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
    public static string Containing(string text) =>
        "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace("[", "\\[") + "%";
}
