using System.Net;
using System.Text.RegularExpressions;

namespace LockboxPortal.CircuitLoad;

/// <summary>
/// An HTTP client with a cookie jar, signed in to the portal through its Development sign-in form (the form's
/// antiforgery token, then the post of a persona), the way a browser signs in. Circuits opened with its cookies run
/// as that persona.
/// </summary>
public sealed partial class PortalSession : IDisposable
{
    private PortalSession(Uri baseUri, CookieContainer cookies, HttpClient http)
    {
        BaseUri = baseUri;
        Cookies = cookies;
        Http = http;
    }

    public Uri BaseUri { get; }
    public CookieContainer Cookies { get; }
    public HttpClient Http { get; }

    public static async Task<PortalSession> SignInAsync(Uri baseUri, string persona, CancellationToken cancellationToken = default)
    {
        var cookies = new CookieContainer();
        // Many circuits share one session: the pool must not cap them at a handful of connections.
        var handler = new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false, MaxConnectionsPerServer = 256 };
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            var form = await http.GetStringAsync(new Uri(baseUri, "/account/signin"), cancellationToken);
            var token = Token().Match(form);
            if (!token.Success) throw new InvalidOperationException("The sign-in page has no antiforgery token: is the portal in Development sign-in mode?");
            using var post = await http.PostAsync(new Uri(baseUri, "/account/dev-signin"), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["persona"] = persona,
                ["returnUrl"] = "/",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups["token"].Value),
            }), cancellationToken);
            if (post.StatusCode != HttpStatusCode.Redirect || post.Headers.Location?.OriginalString.Contains("error", StringComparison.Ordinal) != false)
                throw new InvalidOperationException($"Signing in as {persona} failed: {(int)post.StatusCode} {post.Headers.Location}");
            return new PortalSession(baseUri, cookies, http);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts a circuit on <paramref name="path"/> as this session's user. Unless the options say otherwise, JS calls
    /// are answered as a browser in light mode would (<see cref="PortalJsResults"/>).
    /// </summary>
    public Task<BlazorCircuit> OpenAsync(string path, CircuitClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CircuitClientOptions();
        if (options.JsResults is null)
            options = new CircuitClientOptions { TrackDom = options.TrackDom, Timeout = options.Timeout, ServerTimeout = options.ServerTimeout, JsResults = PortalJsResults };
        return BlazorCircuit.StartAsync(Http, Cookies, new Uri(BaseUri, path), options, cancellationToken);
    }

    /// <summary>
    /// The portal's JS calls whose answer is a value type, where JSON null would fail the server's deserialization
    /// and end the circuit: whether the OS is in dark mode (the layout's lockboxTheme in js/layout.js; theme.js's
    /// export or MudThemeProvider in older builds). Everything else is answered null.
    /// </summary>
    public static string? PortalJsResults(JsCall call) => call.Identifier switch
    {
        "lockboxTheme.systemDark" or "systemDark" or "mudThemeProvider.isDarkMode" => "false",
        _ => null,
    };

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("""name="__RequestVerificationToken"\s+type="hidden"\s+value="(?<token>[^"]+)"|type="hidden"\s+name="__RequestVerificationToken"\s+value="(?<token>[^"]+)"|name="__RequestVerificationToken"[^>]*value="(?<token>[^"]+)" """)]
    private static partial Regex Token();
}
