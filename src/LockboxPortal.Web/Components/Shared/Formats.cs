using LockboxPortal.Domain.Lockbox;
using MudBlazor;

namespace LockboxPortal.Web.Components.Shared;

public static class Formats
{
    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'") : "—";

    public static string Duration(TimeSpan d) => d.TotalHours >= 1
        ? (d.TotalHours % 1 == 0 ? $"{d.TotalHours:0} h" : $"{d.TotalHours:0.#} h")
        : $"{d.TotalMinutes:0} min";

    /// <summary>"3 d 4 h", "2 h 05 min", "45 s" — what is left until <paramref name="end"/>.</summary>
    public static string Left(DateTimeOffset end, DateTimeOffset now)
    {
        var left = end - now;
        if (left <= TimeSpan.Zero) return "ended";
        if (left.TotalDays >= 1) return $"{(int)left.TotalDays} d {left.Hours} h";
        if (left.TotalHours >= 1) return $"{(int)left.TotalHours} h {left.Minutes:00} min";
        if (left.TotalMinutes >= 1) return $"{left.Minutes} min {left.Seconds:00} s";
        return $"{left.Seconds} s";
    }

    public static string ShortId(Guid id) => id.ToString()[..8];

    public static string StatusClass(AccessRequestStatus s) => "lb-status lb-status-" + s.ToString().ToLowerInvariant();

    public static Color StatusColor(AccessRequestStatus s) => s switch
    {
        AccessRequestStatus.CustomerNotified => Color.Warning,
        AccessRequestStatus.Approved => Color.Success,
        AccessRequestStatus.Denied or AccessRequestStatus.Revoked => Color.Error,
        _ => Color.Default,
    };
}
