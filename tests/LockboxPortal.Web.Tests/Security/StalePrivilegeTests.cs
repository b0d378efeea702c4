using System.Net;
using System.Security.Claims;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>
/// A removed role, or a sign-out, takes effect on open circuits after one revalidation interval and on the
/// next HTTP request once the request-side cache (one interval) has lapsed, without the user doing anything.
/// The host runs on a fake clock: the tests advance it by the interval instead of sleeping through it.
/// </summary>
[Collection(PortalHosts.Name)]
public sealed class StalePrivilegeTests(StalePrivilegeTests.Host host) : IClassFixture<StalePrivilegeTests.Host>
{
    // A length no other timer of the host uses, so a timer of this length is the revalidation loop's.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(287);

    // Only a guard against a hang: each wait ends on its signal, long before this.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?> { ["Security:RevalidationInterval"] = Interval.ToString() })
    {
        public SignallingClock Time { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(s =>
            {
                s.AddSingleton<TimeProvider>(Time);
                s.Configure<MemoryCacheOptions>(o => o.Clock = Time);
            });
        }
    }

    /// <summary>
    /// The host's clock (also the memory cache's): fake, and it tells a test when something starts waiting for
    /// a given time, so the test advances the clock only once the wait exists.
    /// </summary>
    public sealed class SignallingClock(DateTimeOffset start) : FakeTimeProvider(start), Microsoft.Extensions.Internal.ISystemClock
    {
        private readonly List<(TimeSpan Due, TaskCompletionSource Armed)> _watches = [];

        DateTimeOffset Microsoft.Extensions.Internal.ISystemClock.UtcNow => GetUtcNow();

        /// <summary>Completes when the next timer due after <paramref name="due"/> is created.</summary>
        public Task NextTimerAsync(TimeSpan due)
        {
            var armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_watches) _watches.Add((due, armed));
            return armed.Task;
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            lock (_watches)
                foreach (var watch in _watches.Where(w => w.Due == dueTime).ToList())
                {
                    _watches.Remove(watch);
                    watch.Armed.SetResult();
                }
            return timer;
        }
    }

    /// <summary>A circuit as the server runs one: its scope, the revalidating provider, the current-user handler.</summary>
    private sealed class Circuit(AsyncServiceScope scope) : IAsyncDisposable
    {
        public IServiceProvider Services => scope.ServiceProvider;
        public AuthenticationStateProvider Auth => Services.GetRequiredService<AuthenticationStateProvider>();
        public LockboxQueries Requests => Services.GetRequiredService<LockboxQueries>();
        public LockboxCommands Decisions => Services.GetRequiredService<LockboxCommands>();

        public static async Task<Circuit> OpenAsync(IServiceProvider root, ClaimsPrincipal principal)
        {
            var circuit = new Circuit(root.CreateAsyncScope());
            Assert.IsType<RevalidatingPortalAuthenticationStateProvider>(circuit.Auth);
            ((IHostEnvironmentAuthenticationStateProvider)circuit.Auth).SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
            foreach (var handler in circuit.Services.GetServices<CircuitHandler>())
                await handler.OnCircuitOpenedAsync(null!, CancellationToken.None);
            return circuit;
        }

        public async Task<bool> IsAnonymousAsync() => (await Auth.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated != true;

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }

    [Fact]
    public async Task An_approver_whose_role_is_removed_loses_it_in_an_open_circuit_within_the_interval()
    {
        await SetApproverAsync(DemoPersonas.Adam, true);
        var armed = host.Time.NextTimerAsync(Interval);
        await using var circuit = await Circuit.OpenAsync(host.Services, DemoPersonas.Principal(DemoPersonas.Adam, "Cookies").WithNewSession());
        await armed.WaitAsync(Guard);
        var missing = Guid.NewGuid();
        // Still an approver: the call is authorized and answers "not found".
        await Assert.ThrowsAsync<NotFoundException>(() => circuit.Decisions.ApproveAsync(missing, new ApproveCommand()));

        // One interval with the role intact: the check runs, keeps the user, and waits for the next interval.
        var rearmed = host.Time.NextTimerAsync(Interval);
        host.Time.Advance(Interval);
        await rearmed.WaitAsync(Guard);
        Assert.False(await circuit.IsAnonymousAsync());

        await SetApproverAsync(DemoPersonas.Adam, false);
        var changed = NextStateAsync(circuit.Auth);
        host.Time.Advance(Interval);
        await changed.WaitAsync(Guard);
        Assert.True(await circuit.IsAnonymousAsync(), "The circuit kept the removed role.");
        var refused = await Assert.ThrowsAsync<ForbiddenAccessException>(() => circuit.Decisions.ApproveAsync(missing, new ApproveCommand()));
        Assert.Contains("Sign in", refused.Message);
        await SetApproverAsync(DemoPersonas.Adam, true);
    }

    [Fact]
    public async Task A_removed_role_also_ends_the_cookie_session_on_the_next_request()
    {
        await SetApproverAsync(DemoPersonas.Carol, true, globalAdmin: true);
        var client = await host.SignInAsync(DemoPersonas.Carol);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/lockbox/administration")).StatusCode);

        await SetApproverAsync(DemoPersonas.Carol, false, globalAdmin: false);
        // Within the interval a request may rely on the last check (that is what the interval bounds)...
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/lockbox/administration")).StatusCode);
        // ...and not a moment longer.
        host.Time.Advance(Interval);
        var response = await client.GetAsync("/lockbox/administration");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/signin", response.Headers.Location!.PathAndQuery);
        await SetApproverAsync(DemoPersonas.Carol, false, globalAdmin: true);
    }

    private static Task NextStateAsync(AuthenticationStateProvider auth)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(Task<AuthenticationState> _)
        {
            auth.AuthenticationStateChanged -= Handler;
            changed.TrySetResult();
        }
        auth.AuthenticationStateChanged += Handler;
        return changed.Task;
    }

    [Fact]
    public async Task Signing_out_ends_the_rights_of_a_circuit_opened_with_that_session_and_of_copies_of_the_cookie()
    {
        var cookies = new CookieContainer();
        var client = host.CreateDefaultClient(new Uri("http://localhost"), new CookieCapture(cookies));
        var token = HostSecurityTests.AntiforgeryField().Match(await client.GetStringAsync("/account/signin")).Groups[1].Value;
        await client.PostAsync("/account/dev-signin", HostSecurityTests.Form(token, "frank"));
        var cookieValue = cookies.GetCookies(new Uri("http://localhost"))[SessionSecurityExtensions.AuthCookieName]!.Value;

        // The circuit another tab opened with this very cookie.
        var ticket = host.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat.Unprotect(cookieValue)!;
        await using var circuit = await Circuit.OpenAsync(host.Services, ticket.Principal);
        Assert.True(await circuit.Requests.CountPendingAsync() >= 0);

        var home = await client.GetStringAsync("/");
        var signOutToken = HostSecurityTests.AntiforgeryField().Match(home).Groups[1].Value;
        var signOut = await client.PostAsync("/account/signout", HostSecurityTests.Form(signOutToken, null));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        // At once, not after the interval: the provider listens for its session ending.
        Assert.True(await circuit.IsAnonymousAsync());
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => circuit.Requests.CountPendingAsync());

        // A copy of the cookie taken before the sign-out is refused.
        var replay = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/lockbox");
        request.Headers.Add("Cookie", $"{SessionSecurityExtensions.AuthCookieName}={cookieValue}");
        var replayed = await replay.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.StartsWith("/account/signin", replayed.Headers.Location!.PathAndQuery);
    }

    private async Task SetApproverAsync(DemoPersona who, bool approver, bool? globalAdmin = null)
    {
        await using var db = await host.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        await db.UserProfiles.Where(p => p.Oid == who.Oid).ExecuteUpdateAsync(s => s
            .SetProperty(p => p.IsApprover, approver)
            .SetProperty(p => p.IsGlobalAdministrator, p => globalAdmin ?? p.IsGlobalAdministrator));
    }

    /// <summary>Keeps cookies like a browser but lets the test read them, and does not follow redirects.</summary>
    private sealed class CookieCapture(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var header = cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0) request.Headers.Add("Cookie", header);
            var response = await base.SendAsync(request, ct);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
                foreach (var c in set) cookies.SetCookies(request.RequestUri!, c);
            return response;
        }
    }
}
