using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using LockboxPortal.Application.Common;

namespace LockboxPortal.Application.Security;

/// <summary>At most <see cref="PermitLimit"/> attempts per user in each <see cref="Window"/>.</summary>
public sealed class UserRateLimit
{
    [Range(1, 100_000)]
    public int PermitLimit { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; }
}

/// <summary>
/// Limits for actions taken from a circuit, where no HTTP endpoint (and so no ASP.NET Core rate limiter)
/// sits in front of the service. HTTP limits (sign-in, APIs) live in the Web project.
/// </summary>
public sealed class ServiceRateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Access requests one engineer may file: generous for an incident, far below a script.</summary>
    public UserRateLimit RequestFiling { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(10) };
}

/// <summary>
/// A fixed-window counter per (action, user) on the injected <see cref="TimeProvider"/>. Every attempt after
/// authorization counts, valid or not, so a script cannot probe the validator without limit either.
/// One instance per process: with several instances each enforces its own share (documented in docs/security.md).
/// </summary>
public sealed class UserActionRateLimiter(TimeProvider time)
{
    private const int PruneThreshold = 10_000;
    private readonly ConcurrentDictionary<(string Action, Guid User), Window> _windows = new();

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start = start;
        public int Count;
    }

    /// <summary>
    /// Counts one attempt, or throws <see cref="TooManyRequestsException"/> saying when to try again.
    /// <paramref name="done"/> describes the attempts with a {0} for the limit, e.g. "filed {0} access requests".
    /// </summary>
    public void Acquire(string action, Guid user, UserRateLimit limit, string done)
    {
        var now = time.GetUtcNow();
        if (_windows.Count > PruneThreshold) Prune(now, limit.Window);
        var window = _windows.GetOrAdd((action, user), _ => new Window(now));
        lock (window)
        {
            if (now - window.Start >= limit.Window)
            {
                window.Start = now;
                window.Count = 0;
            }
            if (window.Count >= limit.PermitLimit)
            {
                var retry = window.Start + limit.Window - now;
                throw new TooManyRequestsException(
                    $"You have {string.Format(System.Globalization.CultureInfo.InvariantCulture, done, limit.PermitLimit)} within {Describe(limit.Window)}, the most the portal accepts. " +
                    $"Nothing was changed; try again in {Describe(retry)}.", retry);
            }
            window.Count++;
        }
    }

    private void Prune(DateTimeOffset now, TimeSpan window)
    {
        foreach (var (key, w) in _windows)
            if (now - w.Start >= window) _windows.TryRemove(key, out _);
    }

    internal static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{Math.Ceiling(t.TotalHours):0} hour(s)"
        : t.TotalMinutes >= 1 ? $"{Math.Ceiling(t.TotalMinutes):0} minute(s)"
        : $"{Math.Max(1, Math.Ceiling(t.TotalSeconds)):0} second(s)";
}
