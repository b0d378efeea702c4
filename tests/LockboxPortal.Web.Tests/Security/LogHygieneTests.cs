using System.Collections.Concurrent;
using System.Net;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Security;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Xunit.Abstractions;

namespace LockboxPortal.Web.Tests.Security;

/// <summary>
/// A full story through the real host (sign in, pages, file, approve, mail dispatch, sign out) with every
/// Serilog event captured at Debug level, rendered both as the file sink writes it and as JSON with all
/// properties; then the output is searched for every secret the story handled.
/// </summary>
[Collection(PortalHosts.Name)]
public sealed class LogHygieneTests(LogHygieneTests.Host host, ITestOutputHelper output) : IClassFixture<LogHygieneTests.Host>
{
    public const string SmtpPassword = "Sm7p-Pa55w0rd-never-logged";

    public sealed class Capture : ILogEventSink
    {
        private static readonly MessageTemplateTextFormatter Text = new(
            "{Timestamp:o} [{Level:u3}] {SourceContext} user={UserId} tenant={TenantId} {Message:lj}{NewLine}{Exception}");
        private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _watches = [];
        public ConcurrentQueue<string> Lines { get; } = new();
        public ConcurrentQueue<string> Json { get; } = new();

        public void Emit(LogEvent e)
        {
            var text = new StringWriter();
            Text.Format(e, text);
            var json = new StringWriter();
            new CompactJsonFormatter().Format(e, json);
            Json.Enqueue(json.ToString());
            var line = text.ToString();
            Lines.Enqueue(line);
            lock (_watches)
                foreach (var watch in _watches.Where(w => w.Match(line)).ToList())
                {
                    _watches.Remove(watch);
                    watch.Seen.SetResult();
                }
        }

        /// <summary>Completes once a line matching <paramref name="match"/> has been captured (or already was).</summary>
        public Task SeenAsync(Func<string, bool> match)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_watches)
            {
                if (Lines.Any(match)) seen.SetResult();
                else _watches.Add((match, seen));
            }
            return seen.Task;
        }
    }

    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Debug",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug",
        ["Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore"] = "Information",
        ["Email:Smtp:UserName"] = "lockbox-relay",
        ["Email:Smtp:Password"] = SmtpPassword,
        ["Email:PollInterval"] = "00:00:01",
    })
    {
        public Capture Sink { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(s => s.AddSingleton<ILogEventSink>(Sink));
        }
    }

    [Fact]
    public async Task A_full_story_logs_no_cookie_token_or_password_and_no_forged_line_breaks()
    {
        var cookies = new CookieContainer();
        var client = host.CreateDefaultClient(new Uri("http://localhost"), new CookieJar(cookies));
        var signInPage = await client.GetStringAsync("/account/signin");
        var formToken = HostSecurityTests.AntiforgeryField().Match(signInPage).Groups[1].Value;
        await client.PostAsync("/account/dev-signin", HostSecurityTests.Form(formToken, "carol"));
        var home = await client.GetStringAsync("/");
        var signOutToken = HostSecurityTests.AntiforgeryField().Match(home).Groups[1].Value;

        // The story's state changes, as the circuits make them: through the host's own services.
        var ticket = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(
            new OpenTicketCommand("Cluster down", "The API answers 503.\r\n[ERR] forged entry\nINFO forged", TicketSeverity.A, "Azure Red Hat OpenShift")));
        var request = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number)));
        await As(DemoPersonas.Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(request.Id, new ApproveCommand(Comment: "ok\r\n[ERR] forged")));
        await host.Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync();

        await client.GetAsync($"/lockbox/requests/{request.Id}");
        await client.GetAsync("/lockbox/requests/%0D%0A%5BERR%5D%20forged%20request%20line");
        await client.GetAsync("/account/signin?returnUrl=%0D%0Aforged&error=%0Aforged");
        var secrets = new Dictionary<string, string>();
        foreach (Cookie c in cookies.GetCookies(new Uri("http://localhost"))) secrets[$"cookie {c.Name}"] = c.Value;
        // The host logs a request as finished after the client has its response: wait for that line, the
        // story's last, rather than for a guessed time.
        var finished = host.Sink.SeenAsync(l => l.Contains("Request finished") && l.Contains("POST http://localhost/account/signout"));
        await client.PostAsync("/account/signout", HostSecurityTests.Form(signOutToken, null));
        await finished.WaitAsync(TimeSpan.FromSeconds(30));

        secrets["sign-in form token"] = formToken;
        secrets["sign-out form token"] = signOutToken;
        secrets["SMTP password"] = SmtpPassword;
        Assert.Contains(secrets.Keys, k => k.Contains(SessionSecurityExtensions.AuthCookieName));
        Assert.Contains(secrets.Keys, k => k.Contains("lockbox.af"));

        var lines = host.Sink.Lines.ToList();
        var all = string.Join("\n", lines) + "\n" + string.Join("\n", host.Sink.Json);
        Assert.True(lines.Count > 50, $"Only {lines.Count} events were captured; the capture is not wired.");
        foreach (var (name, value) in secrets)
        {
            Assert.True(value.Length >= 16, $"{name} is too short to search for");
            Assert.False(all.Contains(value), $"The {name} appears in the logs.");
            Assert.False(all.Contains(value[..16]), $"The start of the {name} appears in the logs.");
        }
        // Each rendered event is one line plus, at most, an exception's stack: user text never adds a line.
        Assert.DoesNotContain(lines, l => l.Contains("\n[ERR] forged") || l.Contains("\nINFO forged") || l.Contains("\nforged"));
        Assert.Contains(lines, l => l.Contains("\\r\\n[ERR] forged request line"));
        output.WriteLine($"{lines.Count} log events searched for {secrets.Count} secrets ({string.Join(", ", secrets.Keys)}): none found; forged line breaks escaped.");
    }

    private async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }

    private sealed class CookieJar(CookieContainer cookies) : DelegatingHandler
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
