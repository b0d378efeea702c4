using Microsoft.Net.Http.Headers;

namespace LockboxPortal.Web.Components.Layout;

/// <summary>The theme a page renders in, known at prerender: so the first paint is already right (no flash).</summary>
/// <param name="Dark">Render dark.</param>
/// <param name="Chosen">The user picked it; otherwise it follows the operating system.</param>
/// <param name="Hinted">The request said which scheme the operating system uses (the client hint), so the circuit
/// need not ask the browser again.</param>
public sealed record ThemeState(bool Dark, bool Chosen, bool Hinted = false);

/// <summary>
/// The user's choice lives in a cookie the browser sends with every request (written by <c>js/layout.js</c> when the
/// theme is toggled). Until there is one, the operating system's preference decides: the browser reports it in the
/// <c>Sec-CH-Prefers-Color-Scheme</c> client hint, which the portal asks for as a critical hint so even the
/// first page arrives in the right theme; once interactive, the layout also watches the preference change.
/// </summary>
public static class ThemePreference
{
    public const string CookieName = "lockbox.theme";
    public const string ClientHint = "Sec-CH-Prefers-Color-Scheme";

    public static ThemeState Read(HttpContext context)
    {
        var chosen = context.Request.Cookies[CookieName] switch
        {
            "dark" => true,
            "light" => false,
            _ => (bool?)null,
        };
        if (chosen is { } dark) return new ThemeState(dark, Chosen: true);
        var hint = context.Request.Headers[ClientHint].ToString().Trim('"', ' ');
        var hinted = hint.Equals("dark", StringComparison.OrdinalIgnoreCase) || hint.Equals("light", StringComparison.OrdinalIgnoreCase);
        return new ThemeState(hint.Equals("dark", StringComparison.OrdinalIgnoreCase), Chosen: false, Hinted: hinted);
    }

    /// <summary>Asks the browser for the colour-scheme hint on pages; a page's HTML depends on it, so caches must vary by it.</summary>
    public static IApplicationBuilder UseThemeClientHint(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    var headers = context.Response.Headers;
                    headers["Accept-CH"] = ClientHint;
                    headers["Critical-CH"] = ClientHint;
                    headers.Append(HeaderNames.Vary, ClientHint);
                }
                return Task.CompletedTask;
            });
            return next(context);
        });
}
