using System.Net;
using System.Net.Sockets;
using LockboxPortal.Application.Common;

namespace LockboxPortal.Application.Integrations;

/// <summary>Delivery settings (<c>Webhooks</c> section). Whether loopback targets are allowed is not among them: only the Development environment allows them.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Attempts before a delivery is marked failed (a Global Administrator can redeliver it).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the second attempt; it doubles per attempt up to <see cref="MaxRetryDelay"/>, each ±20 % at random.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a receiver has to answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
    public int BatchSize { get; set; } = 20;

    /// <summary>How long a claimed delivery stays with the instance that claimed it; longer than <see cref="Timeout"/>.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): exponential, capped, jittered so receivers coming back are not hit by every sender at once.</summary>
    public TimeSpan Backoff(int attempt, double random)
    {
        var exponential = FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var capped = Math.Min(exponential, MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.4 * random));
    }
}

/// <summary>
/// Where webhooks may go. A target must be an absolute https URL (http and loopback only in Development) whose
/// host never resolves to a loopback, private, link-local or otherwise internal address: the portal must not be a
/// way to reach its own network. Checked at registration and again at every connection (<see cref="ResolveAsync"/>),
/// so a name that later resolves elsewhere (DNS rebinding) reaches nothing internal.
/// </summary>
public sealed class WebhookTargets(bool allowLoopback, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    public const int MaxUrlLength = 2048;

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? ((host, ct) => Dns.GetHostAddressesAsync(host, ct));

    public bool AllowsLoopback => allowLoopback;

    /// <summary>The URL's form alone; throws <see cref="InputValidationException"/> on field "url" with what to fix.</summary>
    public Uri Parse(string? url)
    {
        var text = (url ?? "").Trim();
        if (text.Length == 0) throw Invalid("Enter the endpoint's URL.");
        if (text.Length > MaxUrlLength) throw Invalid($"The URL is longer than {MaxUrlLength} characters.");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
            throw Invalid("Enter an absolute URL, such as https://hooks.example.com/lockbox.");
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowLoopback && uri.Scheme == Uri.UriSchemeHttp))
            throw Invalid(allowLoopback ? "The URL must start with https:// (or http:// in Development)." : "The URL must start with https://.");
        if (!string.IsNullOrEmpty(uri.UserInfo)) throw Invalid("Leave credentials out of the URL; the signature authenticates the portal.");
        if (!string.IsNullOrEmpty(uri.Fragment)) throw Invalid("Leave the #fragment out of the URL.");
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal) && Forbidden(literal) is { } why)
            throw Invalid($"The URL points at {why} ({literal}); webhooks only go to public addresses.");
        return uri;
    }

    /// <summary>
    /// Resolves the host and returns its addresses, all of them allowed; throws <see cref="InputValidationException"/>
    /// naming the first forbidden one (a name with one internal address among public ones is refused whole).
    /// </summary>
    public Task<IPAddress[]> ResolveAsync(Uri uri, CancellationToken ct) => ResolveAsync(uri.DnsSafeHost, ct);

    /// <inheritdoc cref="ResolveAsync(Uri, CancellationToken)"/>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal)) addresses = [literal];
        else
        {
            try { addresses = await _resolve(host, ct); }
            catch (SocketException) { throw Invalid($"The host {host} does not resolve."); }
        }
        if (addresses.Length == 0) throw Invalid($"The host {host} does not resolve.");
        foreach (var address in addresses)
            if (Forbidden(address) is { } why)
                throw Invalid($"{host} resolves to {why} ({address}); webhooks only go to public addresses.");
        return addresses;
    }

    /// <summary>Why an address is not a webhook target, or null when it may be one.</summary>
    public string? Forbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return allowLoopback ? null : "a loopback address";
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "an unspecified address",
                [10, ..] => "a private address",
                [172, >= 16 and <= 31, ..] => "a private address",
                [192, 168, ..] => "a private address",
                [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
                [169, 254, ..] => "a link-local address",
                [192, 0, 0, _] => "a reserved address",
                [198, 18 or 19, ..] => "a reserved address",
                [>= 224, ..] => "a multicast or reserved address",
                _ => null,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any)) return "an unspecified address";
            if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
            if (address.IsIPv6Multicast) return "a multicast address";
            var b = address.GetAddressBytes();
            if ((b[0] & 0xfe) == 0xfc) return "a private (unique local) address";
            if (address.IsIPv6Teredo || (b[0] == 0x20 && b[1] == 0x02)) return "a tunnelled address";
            return null;
        }
        return "an address of an unknown family";
    }

    private static InputValidationException Invalid(string message) => new("url", message);
}
