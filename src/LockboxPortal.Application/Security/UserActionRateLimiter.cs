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

/// <summary>What one counted attempt earned: whether it is within the limit, and if not, how long until the window ends.</summary>
public readonly record struct RateVerdict(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// The one rule every portal rate limit applies to its <see cref="IRateLimitStore"/> counter: count the attempt,
/// allow it while the window holds at most <see cref="UserRateLimit.PermitLimit"/>. The store decides where the
/// counter lives (Redis, shared by every instance, or this process), so each limit is counted across instances alike.
/// </summary>
public static class RateLimitCounting
{
    public static async Task<RateVerdict> CountAsync(this IRateLimitStore store, string key, UserRateLimit limit, TimeProvider time, CancellationToken ct = default)
    {
        var window = await store.HitAsync(key, limit.Window, ct);
        if (window.Count <= limit.PermitLimit) return new RateVerdict(true, TimeSpan.Zero);
        var retry = window.EndsAt - time.GetUtcNow();
        return new RateVerdict(false, retry < TimeSpan.Zero ? TimeSpan.Zero : retry);
    }
}

/// <summary>
/// A fixed-window counter per (action, user) in the <see cref="IRateLimitStore"/>: shared by every instance
/// when Redis is configured, this process's own otherwise. Every attempt after authorization counts, valid or
/// not, so a script cannot probe the validator without limit either.
/// </summary>
public sealed class UserActionRateLimiter(IRateLimitStore store, TimeProvider time)
{
    /// <summary>
    /// Counts one attempt, or throws <see cref="TooManyRequestsException"/> saying when to try again.
    /// <paramref name="done"/> describes the attempts with a {0} for the limit, e.g. "filed {0} access requests".
    /// </summary>
    public async Task AcquireAsync(string action, Guid user, UserRateLimit limit, string done, CancellationToken ct = default)
    {
        var verdict = await store.CountAsync($"user-action:{action}:{user:N}", limit, time, ct);
        if (verdict.Allowed) return;
        throw new TooManyRequestsException(
            $"You have {string.Format(System.Globalization.CultureInfo.InvariantCulture, done, limit.PermitLimit)} within {Describe(limit.Window)}, the most the portal accepts. " +
            $"Nothing was changed; try again in {Describe(verdict.RetryAfter)}.", verdict.RetryAfter);
    }

    internal static string Describe(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{Math.Ceiling(t.TotalHours):0} hour(s)"
        : t.TotalMinutes >= 1 ? $"{Math.Ceiling(t.TotalMinutes):0} minute(s)"
        : $"{Math.Max(1, Math.Ceiling(t.TotalSeconds)):0} second(s)";
}
