using System.Diagnostics;
using System.Net;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LockboxPortal.Web.Tests.Shell;

[Collection(PortalHosts.Name)]
public sealed class PortalHostTests : IClassFixture<PortalHostTests.Host>
{
    public sealed class Host : PortalWebFactory;

    private readonly Host _host;

    public PortalHostTests(Host host) => _host = host;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_without_signing_in(string path)
    {
        var response = await _host.CreateClient().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_server_lists_no_JS_initializers_so_the_start_script_may_skip_asking_for_them()
    {
        // js/start.js gives Blazor an empty initializer list instead of fetching it before every circuit. A package that
        // brings a *.lib.module.js makes this list non-empty: then start.js must fetch it again (drop its initializers).
        var carol = await _host.SignInAsync(DemoPersonas.Carol);
        var response = await carol.GetAsync("/_blazor/initializers");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[]", (await response.Content.ReadAsStringAsync()).Trim());
    }

    [Fact]
    public async Task Pages_start_Blazor_from_the_start_script_which_connects_without_negotiating()
    {
        var carol = await _host.SignInAsync(DemoPersonas.Carol);
        var html = await carol.GetStringAsync("/lockbox");
        Assert.Matches("<script src=\"_framework/blazor\\.web(\\.[a-z0-9]+)?\\.js\" autostart=\"false\"></script>", html);
        // Started after MudBlazor's script, whose interop the circuit's first render calls.
        Assert.True(html.IndexOf("<script src=\"_content/MudBlazor/MudBlazor.min.", StringComparison.Ordinal) is > 0 and var mud
            && mud < html.IndexOf("<script src=\"js/start.", StringComparison.Ordinal));
        Assert.Matches("<script src=\"js/start(\\.[a-z0-9]+)?\\.js\" data-negotiate=\"false\"></script>", html);
    }

    [Fact]
    public async Task The_sqlite_file_is_created_where_configured()
    {
        await _host.CreateClient().GetAsync("/health/ready");
        Assert.True(File.Exists(_host.DatabasePath));
    }

    [Fact]
    public async Task An_anonymous_visitor_is_sent_to_the_sign_in_page()
    {
        var client = _host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var response = await client.GetAsync("/lockbox");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/signin", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task The_sign_in_page_lists_every_persona_by_name_and_role()
    {
        var html = await _host.CreateClient().GetStringAsync("/account/signin");
        foreach (var p in DemoPersonas.All)
        {
            Assert.Contains(p.Name, html);
            Assert.Contains(WebUtility.HtmlEncode(p.RoleDescription), html);
        }
    }

    [Theory]
    [InlineData("carol", "home-admin")]
    [InlineData("frank", "home-admin")]
    [InlineData("adam", "home-approver")]
    [InlineData("uma", "home-customer")]
    [InlineData("fiona", "home-customer")]
    [InlineData("mia", "home-engineer")]
    [InlineData("ravi", "home-engineer")]
    public async Task Each_persona_lands_on_the_home_page_for_their_role(string persona, string marker)
    {
        var client = await _host.SignInAsync(DemoPersonas.Find(persona)!);
        var html = await client.GetStringAsync("/");
        Assert.Contains($"data-testid=\"{marker}\"", html);
        Assert.Contains(DemoPersonas.Find(persona)!.Name, html);
    }

    [Fact]
    public async Task Sign_in_refuses_an_unknown_persona_and_an_open_redirect()
    {
        var client = await _host.SignInAsync(DemoPersonas.Uma, "https://evil.example.com/phish");
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var redirect = await _host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false })
            .PostAsync("/account/dev-signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["persona"] = "carol" }));
        Assert.Equal(HttpStatusCode.BadRequest, redirect.StatusCode);
    }

    [Fact]
    public async Task Development_sign_in_refuses_to_start_outside_the_Development_environment()
    {
        var dll = typeof(Program).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Authentication__Mode"] = "Development";
        psi.Environment["ConnectionStrings__Lockbox"] = $"Data Source={Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "x.db")}";
        psi.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "The portal should stop at once, not serve.");
        var text = await output + await error;

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("refused outside the Development environment", text);
        Assert.DoesNotContain("   at ", text);
    }

    // The app bar colours of PortalTheme: dark #0b1f33, light #0f3d6e, as MudThemeProvider writes them into the theme's stylesheets.
    private const string DarkAppBar = "--mud-palette-appbar-background: rgba(11,31,51,1)";
    private const string LightAppBar = "--mud-palette-appbar-background: rgba(15,61,110,1)";

    /// <summary>
    /// The theme is two linked stylesheets (ThemeStylesheet), and the page says by their media which applies: a chosen
    /// theme always ("all", the other "not all"), else the one the operating system asks for (a media query, so the
    /// browser follows the OS without a script; the client hint only sets the toggle's label).
    /// </summary>
    [Theory]
    [InlineData("lockbox.theme=dark", null, "dark")]
    [InlineData("lockbox.theme=light", "dark", "light")]
    [InlineData(null, "dark", "os")]
    [InlineData(null, null, "os")]
    [InlineData("lockbox.theme=purple", "light", "os")]
    public async Task Pages_link_the_chosen_theme_else_the_operating_systems(string? cookie, string? systemHint, string expected)
    {
        var carol = await _host.SignInAsync(DemoPersonas.Carol);
        foreach (var path in new[] { "/", "/lockbox" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (cookie is not null) request.Headers.Add("Cookie", cookie);
            if (systemHint is not null) request.Headers.Add("Sec-CH-Prefers-Color-Scheme", systemHint);
            var response = await carol.SendAsync(request);
            await AssertThemeLinksAsync(await response.Content.ReadAsStringAsync(), expected);
            Assert.Contains("Sec-CH-Prefers-Color-Scheme", response.Headers.GetValues("Critical-CH"));
            Assert.Contains("Sec-CH-Prefers-Color-Scheme", response.Headers.Vary);
        }

        using var signIn = new HttpRequestMessage(HttpMethod.Get, "/account/signin");
        if (cookie is not null) signIn.Headers.Add("Cookie", cookie);
        if (systemHint is not null) signIn.Headers.Add("Sec-CH-Prefers-Color-Scheme", systemHint);
        await AssertThemeLinksAsync(await (await _host.CreateClient().SendAsync(signIn)).Content.ReadAsStringAsync(), expected);
    }

    private async Task AssertThemeLinksAsync(string html, string expected)
    {
        (string Href, string Media) Link(string testId)
        {
            var tag = System.Text.RegularExpressions.Regex.Match(html, $"<link[^>]*data-testid=\"{testId}\"[^>]*>").Value;
            Assert.NotEqual("", tag);
            return (System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(tag, "href=\"([^\"]+)\"").Groups[1].Value),
                    System.Text.RegularExpressions.Regex.Match(tag, "media=\"([^\"]+)\"").Groups[1].Value);
        }
        var (lightHref, lightMedia) = Link("theme-light");
        var (darkHref, darkMedia) = Link("theme-dark");
        var (expectedLight, expectedDark) = expected switch
        {
            "dark" => ("not all", "all"),
            "light" => ("all", "not all"),
            _ => ("not all and (prefers-color-scheme: dark)", "(prefers-color-scheme: dark)"),
        };
        Assert.Equal(expectedLight, lightMedia);
        Assert.Equal(expectedDark, darkMedia);

        // Each sheet holds its palette, is served to anyone (the sign-in page needs it) and may be cached for good.
        var anonymous = _host.CreateClient();
        var light = await anonymous.GetAsync(lightHref);
        var dark = await anonymous.GetAsync(darkHref);
        Assert.Equal("text/css", light.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", light.Headers.CacheControl?.ToString());
        Assert.Contains(LightAppBar, (await light.Content.ReadAsStringAsync()).Replace(" ", "").Replace("--mud-palette-appbar-background:", "--mud-palette-appbar-background: "));
        Assert.Contains(DarkAppBar, (await dark.Content.ReadAsStringAsync()).Replace(" ", "").Replace("--mud-palette-appbar-background:", "--mud-palette-appbar-background: "));
    }
}
