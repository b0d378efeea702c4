using System.Text;

namespace LockboxPortal.Application.Audit;

/// <summary>Makes user-written text safe for a log line or an audit field: no line breaks, no control characters.</summary>
public static class LogText
{
    /// <summary>
    /// The text with line breaks, tabs, other control characters and unpaired surrogates written as escapes
    /// (<c>\n</c>, <c>\u0007</c>), never longer than <paramref name="maxLength"/>: a longer result is cut between two
    /// characters (never inside an escape or a surrogate pair) and ends with "…". The callers store it in columns of
    /// that size (an audit entry's actor and target hold 200), which SQL Server enforces.
    /// </summary>
    public static string Neutralise(string? text, int maxLength = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(Math.Min(text.Length, maxLength));
        var cut = -1; // the length up to the last piece that leaves room for the "…", once a piece went past it
        for (var i = 0; i < text.Length; i++)
        {
            var before = sb.Length;
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) sb.Append(c).Append(text[++i]);
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\t') sb.Append("\\t");
            else if (char.IsControl(c) || char.IsSurrogate(c)) sb.Append("\\u").Append(((int)c).ToString("x4"));
            else sb.Append(c);

            if (cut < 0 && sb.Length > maxLength - 1) cut = before;
            if (sb.Length > maxLength)
            {
                sb.Length = cut;
                return sb.Append('…').ToString();
            }
        }
        return sb.ToString();
    }
}
