using System.Text;

namespace LockboxPortal.Application.Audit;

/// <summary>Makes user-written text safe for a log line or an audit field: no line breaks, no control characters.</summary>
public static class LogText
{
    public static string Neutralise(string? text, int maxLength = 500)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(Math.Min(text.Length, maxLength));
        foreach (var c in text)
        {
            if (sb.Length >= maxLength) { sb.Append('…'); break; }
            sb.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
