using LockboxPortal.Application.Notifications;
using LockboxPortal.Infrastructure.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Infrastructure.Notifications;

public static class NotificationsExtensions
{
    /// <summary>The outbox dispatcher and its transport (<c>Email:Transport</c> = Pickup or Smtp).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection(EmailOptions.Section);
        var transport = section.GetValue(nameof(EmailOptions.Transport), EmailTransportKind.Pickup);
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.Section))
            .Validate(o => transport != EmailTransportKind.Smtp || (!string.IsNullOrWhiteSpace(o.Host) && o.Port is > 0 and < 65536),
                "Email:Transport is Smtp, so Email:Smtp:Host and Email:Smtp:Port must be set.")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero && o.SendTimeout > TimeSpan.Zero,
                "Email:Smtp:ConnectTimeout and Email:Smtp:SendTimeout must be positive.")
            .ValidateOnStart();

        var pickup = Path.GetFullPath(section[nameof(EmailOptions.PickupDirectory)] ?? new EmailOptions().PickupDirectory, contentRoot);
        services.AddSingleton(new PickupFolder(pickup));
        services.AddSingleton<IDevelopmentMailbox, PickupMailbox>();
        if (transport == EmailTransportKind.Smtp)
            services.AddSingleton<IEmailTransport, SmtpEmailTransport>();
        else
            services.AddSingleton<IEmailTransport, PickupFolderTransport>();

        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService<OutboxDispatchWorker>();
        return services;
    }
}
