using System.Net;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LockboxPortal.Web.Tests.Security;

[Collection(PortalHosts.Name)]
public sealed class SignInRateLimitTests(SignInRateLimitTests.Host host) : IClassFixture<SignInRateLimitTests.Host>
{
    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["RateLimits:SignIn:PermitLimit"] = "3",
        ["RateLimits:SignIn:Window"] = "00:10:00",
    });

    [Fact]
    public async Task The_fourth_sign_in_in_a_window_gets_429_with_a_clear_message_for_browsers_and_for_scripts()
    {
        // Every client here comes from the same address, as a script hammering the form would.
        for (var i = 0; i < 3; i++)
        {
            var attempt = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
            var fresh = HostSecurityTests.AntiforgeryField().Match(await attempt.GetStringAsync("/account/signin")).Groups[1].Value;
            Assert.Equal(HttpStatusCode.Redirect, (await attempt.PostAsync("/account/dev-signin", HostSecurityTests.Form(fresh, "uma"))).StatusCode);
        }
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = HostSecurityTests.AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;

        using var browser = new HttpRequestMessage(HttpMethod.Post, "/account/dev-signin") { Content = HostSecurityTests.Form(token, "uma") };
        browser.Headers.Accept.ParseAdd("text/html");
        var refused = await client.SendAsync(browser);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) > 0);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many attempts", html);
        Assert.Contains("try again", html);
        HostSecurityTests.AssertSecurityHeaders(refused, "429");

        using var script = new HttpRequestMessage(HttpMethod.Post, "/account/dev-signin") { Content = HostSecurityTests.Form(token, "uma") };
        script.Headers.Accept.ParseAdd("application/json");
        var json = await client.SendAsync(script);
        Assert.Equal(HttpStatusCode.TooManyRequests, json.StatusCode);
        Assert.Contains("Too many requests", await json.Content.ReadAsStringAsync());

        // Pages are not limited by the sign-in policy.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/signin")).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_post_that_is_not_a_form_never_reaches_the_sign_in_and_signs_no_one_in()
    {
        // The sign-in endpoint accepts only form posts, so routing does not choose it for anything else (and its
        // rate limit does not count such a post): the post falls to the portal's default, which asks an anonymous
        // caller to sign in. However many are sent, none signs anyone in.
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        for (var i = 0; i < 10; i++)
        {
            using var json = new HttpRequestMessage(HttpMethod.Post, "/account/dev-signin")
            {
                Content = new StringContent("""{"persona":"carol","returnUrl":"/"}""", System.Text.Encoding.UTF8, "application/json"),
            };
            var response = await client.SendAsync(json);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/signin", response.Headers.Location!.PathAndQuery);
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.Contains("lockbox.auth", StringComparison.Ordinal)),
                "A non-form post must not set the sign-in cookie.");
        }
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/lockbox")).StatusCode); // still signed out
    }
}
