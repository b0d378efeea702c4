using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>Headers and cookie flags on every page for every persona, other tenants' ids on every route, forged posts.</summary>
[Collection(PortalHosts.Name)]
public sealed partial class HostSecurityTests(HostSecurityTests.Host host, ITestOutputHelper output) : IClassFixture<HostSecurityTests.Host>
{
    public const string Marker = "ZEBRA-7731-CONTOSO-ONLY";

    public sealed class Host : PortalWebFactory, IAsyncLifetime
    {
        public Guid TicketId { get; private set; }
        public Guid RequestId { get; private set; }

        public async Task InitializeAsync()
        {
            _ = Services;
            var ticket = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
                "Ticket " + Marker, "The API server answers 503 since the upgrade. " + Marker, TicketSeverity.A, "Azure Red Hat OpenShift", null, "Microsoft")));
            var request = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(
                Scenario.Request(ticket.Number) with { Justification = "Read the API server logs. " + Marker }));
            (TicketId, RequestId) = (ticket.Id, request.Id);
        }

        public async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
        {
            await using var scope = Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
            return await action(scope.ServiceProvider);
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    /// <summary>Every routable page of the portal, from the components' route templates.</summary>
    public static IReadOnlyList<string> RouteTemplates { get; } = typeof(Program).Assembly.GetTypes()
        .SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => r.Template).Distinct().OrderBy(t => t).ToList();

    private string Fill(string template) => RouteParameter().Replace(template, m => m.Value.Contains("Id") && template.StartsWith("/tickets")
        ? host.TicketId.ToString() : host.RequestId.ToString());

    [Fact]
    public async Task Every_page_for_every_persona_carries_the_security_headers_and_never_leaks_another_tenants_data()
    {
        Assert.True(RouteTemplates.Count >= 15, $"Found only {RouteTemplates.Count} routes; the reflection is broken.");
        var contoso = new HashSet<string> { "carol", "adam", "uma", "mia" };
        var checkedPages = 0;
        var positive = 0;
        foreach (var persona in DemoPersonas.All)
        {
            var client = await host.SignInAsync(persona);
            foreach (var route in RouteTemplates)
            {
                var path = Fill(route);
                var response = await client.GetAsync(path);
                var html = await response.Content.ReadAsStringAsync();
                Assert.True((int)response.StatusCode < 500, $"{persona.Key} {path} answered {(int)response.StatusCode}");
                AssertSecurityHeaders(response, $"{persona.Key} {path}");
                if (!contoso.Contains(persona.Key))
                    Assert.False(html.Contains(Marker), $"{persona.Key} saw Contoso's data on {path}");
                else if (html.Contains(Marker)) positive++;
                checkedPages++;
            }
        }
        // The markers do show where they belong, so their absence above means something.
        Assert.True(positive >= 4, $"The Contoso marker appeared only {positive} times for Contoso users.");
        output.WriteLine($"{checkedPages} page loads ({RouteTemplates.Count} routes x {DemoPersonas.All.Count} personas) checked; marker seen {positive} times by its own tenant.");
    }

    [Theory]
    [InlineData("/account/signin")]
    [InlineData("/health/live")]
    [InlineData("/no-such-page")]
    [InlineData("/_framework/blazor.web.js")]
    public async Task Anonymous_responses_carry_the_security_headers_too(string path)
    {
        var response = await host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync(path);
        AssertSecurityHeaders(response, path);
    }

    [Fact]
    public async Task The_import_map_carries_the_nonce_of_its_response_and_nothing_else_is_inline_script()
    {
        var response = await host.CreateClient().GetAsync("/account/signin");
        var html = await response.Content.ReadAsStringAsync();
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"nonce=\"{nonce}\"", html);
        var second = await host.CreateClient().GetAsync("/account/signin");
        Assert.DoesNotContain($"'nonce-{nonce}'", second.Headers.GetValues("Content-Security-Policy").Single());
        // Inline scripts other than the import map would be refused by the browser.
        foreach (Match script in Regex.Matches(html, "<script(?![^>]*\\bsrc=)[^>]*>"))
            Assert.Contains($"nonce=\"{nonce}\"", script.Value);
        Assert.DoesNotContain("onload=", html);
    }

    [Fact]
    public async Task Over_https_the_sign_in_cookie_is_host_prefixed_secure_httponly_and_samesite()
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri("https://localhost") });
        var page = await client.GetAsync("/account/signin");
        var antiforgeryCookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lockbox.af="));
        AssertFlags(antiforgeryCookie, "samesite=strict", "httponly", "path=/");
        var token = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;

        var signIn = await client.PostAsync("/account/dev-signin", Form(token, "adam"));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.Contains("lockbox.auth"));
        Assert.StartsWith("__Host-lockbox.auth=", cookie);
        AssertFlags(cookie, "secure", "httponly", "samesite=lax", "path=/");
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/lockbox")).StatusCode);
        output.WriteLine(Regex.Replace(cookie, "=[^;]+;", "=…;", RegexOptions.None, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Over_plain_http_in_Development_the_cookie_is_httponly_and_samesite_without_the_prefix()
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;
        var signIn = await client.PostAsync("/account/dev-signin", Form(token, "uma"));
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.Contains("lockbox.auth"));
        Assert.StartsWith("lockbox.auth=", cookie);
        AssertFlags(cookie, "httponly", "samesite=lax", "path=/");
    }

    [Fact]
    public async Task Forged_posts_without_a_valid_antiforgery_token_are_refused_with_400()
    {
        var anonymous = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync("/account/dev-signin", Form(null, "carol"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsync("/account/dev-signin", Form("forged-token-value", "carol"))).StatusCode);

        // A token taken from another browser's session is refused too (it is bound to that session's cookie).
        var attacker = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var stolen = AntiforgeryField().Match(await attacker.GetStringAsync("/account/signin")).Groups[1].Value;
        var victim = await host.SignInAsync(DemoPersonas.Carol);
        var signOut = await victim.PostAsync("/account/signout", Form(stolen, null));
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        var noToken = await victim.PostAsync("/account/signout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        // ...and the victim is still signed in: the forged sign-out did nothing.
        Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync("/lockbox")).StatusCode);
    }

    [Fact]
    public async Task An_oversized_form_is_refused_with_400_not_a_server_error()
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;
        var response = await client.PostAsync("/account/dev-signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["persona"] = "carol",
            ["returnUrl"] = "/" + new string('a', 100_000),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    internal static void AssertSecurityHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c)
            : throw new Xunit.Sdk.XunitException($"{what}: no {name} header");
        var csp = Header("Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("object-src 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.DoesNotMatch("script-src[^;]*unsafe-inline", csp);
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header("Referrer-Policy"));
        Assert.Contains("camera=()", Header("Permissions-Policy"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
    }

    private static void AssertFlags(string setCookie, params string[] flags)
    {
        var parts = setCookie.Split(';', StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant()).ToList();
        foreach (var flag in flags) Assert.Contains(flag, parts);
    }

    internal static FormUrlEncodedContent Form(string? token, string? persona)
    {
        var fields = new Dictionary<string, string>();
        if (token is not null) fields["__RequestVerificationToken"] = token;
        if (persona is not null) { fields["persona"] = persona; fields["returnUrl"] = "/"; }
        return new FormUrlEncodedContent(fields);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    internal static partial Regex AntiforgeryField();

    [GeneratedRegex("\\{[^}]+\\}")]
    private static partial Regex RouteParameter();
}
