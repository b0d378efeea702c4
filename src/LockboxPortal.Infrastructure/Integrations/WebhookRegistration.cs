using System.Net.Sockets;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Application.Notifications;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Integrations;

public static class WebhookRegistration
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.MaxAttempts > 0 && o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay,
                "Webhooks:MaxAttempts, FirstRetryDelay and MaxRetryDelay must be positive, MaxRetryDelay at least FirstRetryDelay.")
            .Validate(o => o.Timeout > TimeSpan.Zero && o.ClaimLease > o.Timeout && o.BatchSize > 0 && o.PollInterval > TimeSpan.Zero,
                "Webhooks:Timeout, PollInterval and BatchSize must be positive and ClaimLease longer than Timeout.")
            .ValidateOnStart();
        // Loopback (and http) targets only where a developer runs a receiver on the same machine; no environment known means production rules.
        services.AddSingleton(sp => new WebhookTargets(sp.GetService<IHostEnvironment>()?.IsDevelopment() == true));
        services.AddSingleton<IWebhookSecretProtector, DataProtectionWebhookSecretProtector>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService<WebhookDispatchWorker>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A redirect could lead anywhere, internal addresses included: a receiver answers where it was registered.
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                // Resolve and check at every connection and connect to the checked address itself, so a name
                // that resolves elsewhere after registration (DNS rebinding) reaches nothing internal.
                ConnectCallback = async (context, ct) =>
                {
                    var addresses = await sp.GetRequiredService<WebhookTargets>().ResolveAsync(context.DnsEndPoint.Host, ct);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            });
        return services;
    }
}

internal sealed class DataProtectionWebhookSecretProtector(IDataProtectionProvider dataProtection) : IWebhookSecretProtector
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("LockboxPortal.Webhooks.Secrets.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}

/// <summary>Runs the webhook dispatcher (see <see cref="Workers.CommitWakenWorker"/>) every <see cref="WebhookOptions.PollInterval"/> at the latest.</summary>
internal sealed class WebhookDispatchWorker(
    WebhookDispatcher dispatcher,
    IPortalEvents events,
    IOptionsMonitor<WebhookOptions> options,
    ILogger<WebhookDispatchWorker> logger) : Workers.CommitWakenWorker(events, logger)
{
    protected override string What => "Webhook";
    protected override TimeSpan PollInterval => options.CurrentValue.PollInterval;

    protected override async Task<bool> RunRoundAsync(CancellationToken ct) =>
        (await dispatcher.RunOnceAsync(ct)).Claimed >= options.CurrentValue.BatchSize;
}
