using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Integrations;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Web.Tests.Integrations;

/// <summary>A webhook receiver on loopback: records each request and answers with the next scripted status (200 when none is left).</summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    public sealed record Received(string Signature, string ContentType, byte[] Body)
    {
        public JsonObject Event => JsonNode.Parse(Body)!.AsObject();
    }

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Channel<Received> _received = Channel.CreateUnbounded<Received>();
    private readonly Queue<int> _statuses = new();

    public LoopbackReceiver(params int[] statuses)
    {
        foreach (var s in statuses) _statuses.Enqueue(s);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            int status;
            lock (_statuses) status = _statuses.Count > 0 ? _statuses.Dequeue() : 200;
            context.Response.StatusCode = status;
            context.Response.Close();
            _received.Writer.TryWrite(new Received(context.Request.Headers[WebhookSignature.Header] ?? "", context.Request.ContentType ?? "", body.ToArray()));
        }
    }

    /// <summary>The next request, waiting at most 30 s (bounded: a missing delivery fails the test, never hangs it).</summary>
    public async Task<Received> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>The next request whose CloudEvent has this type.</summary>
    public async Task<Received> NextOfTypeAsync(string type)
    {
        while (true)
        {
            var r = await NextAsync();
            if ((string?)r.Event["type"] == type) return r;
        }
    }

    public bool TryTake(out Received? received) => _received.Reader.TryRead(out received);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

[Collection(PortalHosts.Name)]
public sealed class WebhookDeliveryTests : IClassFixture<WebhookDeliveryTests.Host>
{
    private const string Switched = WebhookOutbox.TypePrefix + AuditActions.LockboxSwitched;

    public sealed class Host() : PortalWebFactory(new Dictionary<string, string?>
    {
        ["DataProtection:KeysPath"] = Path.Combine(Path.GetTempPath(), "lockbox-web-keys", Guid.NewGuid().ToString("N")),
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Webhooks:FirstRetryDelay"] = "00:00:00.200",
        ["Webhooks:MaxRetryDelay"] = "00:00:01",
        ["Webhooks:MaxAttempts"] = "3",
    });

    private readonly Host _host;

    public WebhookDeliveryTests(Host host)
    {
        _host = host;
        _host.CreateClient(); // starts the host: migrations, demo data, the dispatch worker
    }

    private async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(Principal(persona));
        return await action(scope.ServiceProvider);
    }

    private Task<WebhookSecretResult> RegisterAsync(DemoPersona admin, string url, params string[] events) =>
        As(admin, sp => sp.GetRequiredService<WebhookService>().CreateAsync(new CreateWebhookCommand(url, events)));

    private Task<int> SwitchLockboxAsync(DemoPersona admin) => As(admin, async sp =>
    {
        var administration = sp.GetRequiredService<AdministrationService>();
        var settings = await administration.GetSettingsAsync();
        await administration.SetLockboxEnabledAsync(!settings.LockboxEnabled, settings.Version);
        return 0;
    });

    private Task<int> DeleteAsync(DemoPersona admin, Guid id) => As(admin, async sp =>
    {
        await sp.GetRequiredService<WebhookService>().DeleteAsync(id);
        return 0;
    });

    private static bool Verifies(string secret, LoopbackReceiver.Received r) =>
        WebhookSignature.Verify(secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

    [Fact]
    public async Task A_delivered_event_is_a_cloudevent_whose_signature_verifies_with_the_secret_shown_once()
    {
        await using var receiver = new LoopbackReceiver();
        var created = await RegisterAsync(Carol, receiver.Url, AuditActions.LockboxSwitched);
        try
        {
            await SwitchLockboxAsync(Carol);
            var r = await receiver.NextOfTypeAsync(Switched);

            Assert.True(Verifies(created.Secret, r));
            Assert.False(Verifies(WebhookSignature.NewSecret(), r));
            Assert.StartsWith("application/cloudevents+json", r.ContentType);
            var e = r.Event;
            Assert.Equal("1.0", (string?)e["specversion"]);
            Assert.Equal($"urn:lockboxportal:tenant:{ContosoTenant}", (string?)e["source"]);
            Assert.Equal(ContosoTenant.ToString(), (string?)e["data"]!["tenant"]);
            Assert.Equal(Carol.Name, (string?)e["data"]!["actor"]);
            Assert.IsType<JsonObject>(e["data"]!["details"]);

            // Stored protected: the secret is not in the endpoint row, nor in the audit entry of its creation.
            await using var db = await _host.Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
            var row = await db.WebhookEndpoints.AsNoTracking().SingleAsync(x => x.Id == created.Endpoint.Id);
            Assert.DoesNotContain(created.Secret, row.ProtectedSecret);
            Assert.DoesNotContain(created.Secret[WebhookSignature.SecretPrefix.Length..], row.ProtectedSecret);
            var audit = await db.AuditEntries.AsNoTracking().Where(x => x.Target == $"webhook/{created.Endpoint.Id}").SingleAsync();
            Assert.Equal(AuditActions.WebhookCreated, audit.Action);
            Assert.DoesNotContain(created.Secret, audit.Details);
        }
        finally { await DeleteAsync(Carol, created.Endpoint.Id); }
    }

    [Fact]
    public async Task A_500_is_retried_with_backoff_and_then_delivered_and_the_log_shows_both_attempts()
    {
        await using var receiver = new LoopbackReceiver(500);
        var created = await RegisterAsync(Frank, receiver.Url, AuditActions.LockboxSwitched);
        try
        {
            await SwitchLockboxAsync(Frank);
            var first = await receiver.NextOfTypeAsync(Switched);
            var second = await receiver.NextOfTypeAsync(Switched);
            Assert.Equal((string?)first.Event["id"], (string?)second.Event["id"]);
            Assert.Equal(first.Body, second.Body);

            var log = await WaitForAsync(Frank, created.Endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered);
            Assert.Equal(2, log.Attempts);
            Assert.Equal([500, 200], log.Log.Select(a => a.StatusCode ?? 0));
            Assert.Contains("500", log.Log[0].Error);
            Assert.True(log.Log[1].At >= log.Log[0].At);
        }
        finally { await DeleteAsync(Frank, created.Endpoint.Id); }
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_is_marked_failed_and_redelivery_sends_the_event_again()
    {
        await using var receiver = new LoopbackReceiver(503, 503, 503);
        var created = await RegisterAsync(Carol, receiver.Url, AuditActions.LockboxSwitched);
        try
        {
            await SwitchLockboxAsync(Carol);
            var failed = await WaitForAsync(Carol, created.Endpoint.Id, d => d.Status == WebhookDeliveryStatus.Failed);
            Assert.Equal(3, failed.Attempts);

            await As(Carol, async sp => { await sp.GetRequiredService<WebhookService>().RedeliverAsync(failed.Id); return 0; });
            var delivered = await WaitForAsync(Carol, created.Endpoint.Id, d => d.Status == WebhookDeliveryStatus.Delivered);
            Assert.Equal(failed.EventId, delivered.EventId);
            Assert.Equal(200, delivered.LastStatusCode);
        }
        finally { await DeleteAsync(Carol, created.Endpoint.Id); }
    }

    [Fact]
    public async Task A_rotated_secret_signs_the_deliveries_after_it_and_the_old_one_no_longer_verifies()
    {
        await using var receiver = new LoopbackReceiver();
        var created = await RegisterAsync(Carol, receiver.Url, AuditActions.LockboxSwitched);
        try
        {
            var rotated = await As(Carol, sp => sp.GetRequiredService<WebhookService>().RotateSecretAsync(created.Endpoint.Id));
            Assert.NotEqual(created.Secret, rotated.Secret);
            await SwitchLockboxAsync(Carol);
            var r = await receiver.NextOfTypeAsync(Switched);
            Assert.True(Verifies(rotated.Secret, r));
            Assert.False(Verifies(created.Secret, r));
        }
        finally { await DeleteAsync(Carol, created.Endpoint.Id); }
    }

    [Fact]
    public async Task Nothing_crosses_tenants()
    {
        await using var contosoReceiver = new LoopbackReceiver();
        await using var fabrikamReceiver = new LoopbackReceiver();
        var contoso = await RegisterAsync(Carol, contosoReceiver.Url, AuditActions.LockboxSwitched);
        var fabrikam = await RegisterAsync(Frank, fabrikamReceiver.Url, AuditActions.LockboxSwitched);
        try
        {
            await SwitchLockboxAsync(Carol);
            var r = await contosoReceiver.NextOfTypeAsync(Switched);
            Assert.Equal(ContosoTenant.ToString(), (string?)r.Event["data"]!["tenant"]);
            // Contoso's event has been delivered; Fabrikam's receiver got nothing of Contoso's.
            while (fabrikamReceiver.TryTake(out var other)) Assert.NotEqual(ContosoTenant.ToString(), (string?)other!.Event["data"]!["tenant"]);

            // Fabrikam's administrator neither sees nor touches Contoso's endpoint or its deliveries.
            var service = (Func<IServiceProvider, WebhookService>)(sp => sp.GetRequiredService<WebhookService>());
            Assert.DoesNotContain(await As(Frank, sp => service(sp).ListAsync()), e => e.Id == contoso.Endpoint.Id);
            await Assert.ThrowsAsync<NotFoundException>(() => As(Frank, sp => service(sp).RotateSecretAsync(contoso.Endpoint.Id)));
            await Assert.ThrowsAsync<NotFoundException>(() => As(Frank, sp => service(sp).DeliveriesAsync(contoso.Endpoint.Id)));
            await Assert.ThrowsAsync<NotFoundException>(() => DeleteAsync(Frank, contoso.Endpoint.Id));
            var delivery = (await As(Carol, sp => service(sp).DeliveriesAsync(contoso.Endpoint.Id))).First();
            await Assert.ThrowsAsync<NotFoundException>(() => As(Frank, async sp => { await service(sp).RedeliverAsync(delivery.Id); return 0; }));
        }
        finally
        {
            await DeleteAsync(Carol, contoso.Endpoint.Id);
            await DeleteAsync(Frank, fabrikam.Endpoint.Id);
        }
    }

    [Theory]
    [InlineData("http://hooks.example.com/lockbox", "https://")]
    [InlineData("https://127.0.0.1/hook", "loopback")]
    [InlineData("https://localhost/hook", "loopback")]
    [InlineData("https://10.0.0.8/hook", "private")]
    [InlineData("https://169.254.169.254/latest", "link-local")]
    [InlineData("hooks.example.com/lockbox", "absolute URL")]
    public async Task Outside_development_a_bad_target_is_refused_with_a_clear_message_and_nothing_is_saved(string url, string message)
    {
        // The service as the portal builds it, with the production target rules.
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => As(Carol, sp => new WebhookService(
            sp.GetRequiredService<ILockboxDbContextFactory>(), sp.GetRequiredService<ICurrentUser>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AuditWriter>(), sp.GetRequiredService<IWebhookSecretProtector>(), new WebhookTargets(allowLoopback: false))
            .CreateAsync(new CreateWebhookCommand(url, [AuditActions.RequestApproved]))));
        Assert.Contains(message, ex.Message);
        Assert.DoesNotContain(await As(Carol, sp => sp.GetRequiredService<WebhookService>().ListAsync()), e => e.Url.Contains(url.Split("//").Last().Split('/')[0]));
    }

    [Theory]
    [InlineData("not a url", "absolute URL")]
    [InlineData("http://10.0.0.8/hook", "private")]
    [InlineData("ftp://127.0.0.1/hook", "https://")]
    public async Task Even_in_development_a_bad_target_or_no_event_is_refused_and_nothing_is_saved(string url, string message)
    {
        var before = await As(Carol, sp => sp.GetRequiredService<WebhookService>().ListAsync());
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => RegisterAsync(Carol, url, AuditActions.RequestApproved));
        Assert.Contains(message, ex.Message);
        var noEvents = await Assert.ThrowsAsync<InputValidationException>(() => RegisterAsync(Carol, "http://127.0.0.1:9/hook"));
        Assert.Equal("events", Assert.Single(noEvents.Errors).Key);
        var unknown = await Assert.ThrowsAsync<InputValidationException>(() => RegisterAsync(Carol, "http://127.0.0.1:9/hook", "request.teleported"));
        Assert.Contains("request.teleported", unknown.Message);
        Assert.Equal(before.Count, (await As(Carol, sp => sp.GetRequiredService<WebhookService>().ListAsync())).Count);
    }

    [Fact]
    public async Task Only_global_administrators_manage_endpoints()
    {
        foreach (var persona in new[] { Adam, Uma, Mia })
            await Assert.ThrowsAsync<ForbiddenAccessException>(() => RegisterAsync(persona, "http://127.0.0.1:9/hook", AuditActions.RequestApproved));
    }

    private async Task<WebhookDeliveryDto> WaitForAsync(DemoPersona admin, Guid endpoint, Func<WebhookDeliveryDto, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var deliveries = await As(admin, sp => sp.GetRequiredService<WebhookService>().DeliveriesAsync(endpoint));
            if (deliveries.FirstOrDefault(done) is { } d) return d;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The delivery did not reach the expected state: " + string.Join("; ", deliveries.Select(x => $"{x.Status} {x.Attempts} {x.LastError}")));
            await Task.Delay(100);
        }
    }
}
