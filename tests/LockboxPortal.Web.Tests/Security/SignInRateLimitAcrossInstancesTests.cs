using System.Net;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure.Scaling;
using LockboxPortal.Tests.Scaling;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>
/// Two portal hosts (each its own container, Redis connection and key ring) counting sign-ins in one real
/// redis-server: the limit holds for a client however its attempts are spread over the instances.
/// </summary>
[Collection(PortalHosts.Name)]
public sealed class SignInRateLimitAcrossInstancesTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private PortalWebFactory _a = null!;
    private PortalWebFactory _b = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _a = Host();
        _ = _a.Server; // built one after the other (see PortalHosts)
        _b = Host();
        _ = _b.Server;
    }

    private PortalWebFactory Host() => new(new Dictionary<string, string?>
    {
        ["Redis:Configuration"] = _redis.Configuration,
        ["RateLimits:SignIn:PermitLimit"] = "3",
        ["RateLimits:SignIn:Window"] = "00:10:00",
    });

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>One sign-in attempt as a browser makes it: the form from that instance, then the post.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(PortalWebFactory instance)
    {
        var client = instance.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = HostSecurityTests.AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/dev-signin") { Content = HostSecurityTests.Form(token, "uma") };
        post.Headers.Accept.ParseAdd("text/html");
        return await client.SendAsync(post);
    }

    [Fact]
    public async Task Sign_ins_on_both_instances_count_against_one_limit_and_the_next_is_refused_on_either()
    {
        Assert.IsType<RedisRateLimitStore>(_a.Services.GetRequiredService<IRateLimitStore>());

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(_a)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(_b)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(_a)).StatusCode);

        var onB = await SignInAsync(_b);
        var onA = await SignInAsync(_a);

        Assert.Equal(HttpStatusCode.TooManyRequests, onB.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, onA.StatusCode);
        Assert.InRange(int.Parse(onB.Headers.GetValues("Retry-After").Single()), 540, 600);
        Assert.Contains("Too many attempts", await onB.Content.ReadAsStringAsync());
        Assert.False(onB.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.Contains("lockbox.auth", StringComparison.Ordinal)),
            "A refused sign-in must not sign anyone in.");
    }

    [Fact]
    public async Task The_counter_lives_in_Redis_under_the_client_address_with_the_window_as_its_lifetime()
    {
        await SignInAsync(_b);

        var redis = _b.Services.GetRequiredService<RedisConnection>();
        // Test clients have no remote address; the limiter keys them as "unknown".
        var key = redis.Key("rate:" + SignInRateLimit.Key("unknown"));
        var db = redis.Multiplexer.GetDatabase();
        Assert.True((long)await db.StringGetAsync(key) >= 1);
        var ttl = await db.KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }
}
