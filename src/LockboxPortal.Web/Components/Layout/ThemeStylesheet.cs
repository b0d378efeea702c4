using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace LockboxPortal.Web.Components.Layout;

/// <summary>
/// The theme's CSS (what MudThemeProvider renders: the palette's custom properties, shadows, scrollbar), rendered once
/// per mode when first asked for and served as <c>/theme/light.css</c> and <c>/theme/dark.css</c> (cached for a year;
/// the address carries a hash of the content). A MudThemeProvider in the layout rebuilt this ~10 KB string in every
/// circuit and kept it in the circuit's render trees (docs/performance.md).
/// </summary>
public sealed partial class ThemeStylesheet
{
    public const string PathPrefix = "/theme/";

    private readonly Lazy<(string Css, string Version)>[] _sheets;

    public ThemeStylesheet(IServiceScopeFactory scopes) =>
        _sheets = [new(() => Render(scopes, dark: false)), new(() => Render(scopes, dark: true))];

    public string Css(bool dark) => _sheets[dark ? 1 : 0].Value.Css;

    public string Href(bool dark) => $"{PathPrefix}{(dark ? "dark" : "light")}.css?v={_sheets[dark ? 1 : 0].Value.Version}";

    private static (string, string) Render(IServiceScopeFactory scopes, bool dark)
    {
        // The real MudThemeProvider, rendered to HTML outside any circuit (its JS runtime is the one that refuses
        // calls, and it makes none while rendering): the CSS is exactly what it would render into a page.
        using var scope = scopes.CreateScope();
        using var renderer = new HtmlRenderer(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<ILoggerFactory>());
        var html = renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<MudThemeProvider>(ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(MudThemeProvider.Theme)] = PortalTheme.Theme,
                [nameof(MudThemeProvider.IsDarkMode)] = dark,
            }))).ToHtmlString()).GetAwaiter().GetResult();
        var css = string.Join("\n", StyleBlock().Matches(html).Select(m => m.Groups[1].Value.Trim()));
        if (css.Length == 0) throw new InvalidOperationException("MudThemeProvider rendered no <style>: the theme stylesheet would be empty.");
        var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(css)))[..12];
        return (css, version);
    }

    [GeneratedRegex(@"<style[^>]*>(.*?)</style>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex StyleBlock();
}

public static class ThemeStylesheetEndpoints
{
    public static IEndpointRouteBuilder MapThemeStylesheet(this IEndpointRouteBuilder app)
    {
        app.MapGet(ThemeStylesheet.PathPrefix + "{mode:regex(^(light|dark)$)}.css", (string mode, HttpContext http, ThemeStylesheet sheets) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.Text(sheets.Css(mode == "dark"), "text/css; charset=utf-8");
        }).AllowAnonymous();
        return app;
    }
}
