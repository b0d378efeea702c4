using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Support;

/// <summary>Portal fixtures wired to an SMTP server on a loopback port, and short verbs for the outbox.</summary>
public static class MailTesting
{
    public static PortalFixture SmtpPortal(int port, Action<IDictionary<string, string?>>? configure = null, Action<IServiceCollection>? services = null) =>
        new(settings =>
        {
            settings["Email:Transport"] = "Smtp";
            settings["Email:Smtp:Host"] = "127.0.0.1";
            settings["Email:Smtp:Port"] = port.ToString();
            settings["Email:Smtp:Security"] = "None";
            settings["Email:Smtp:ConnectTimeout"] = "00:00:02";
            settings["Email:Smtp:SendTimeout"] = "00:00:05";
            configure?.Invoke(settings);
        }, services);

    public static OutboxDispatcher Dispatcher(this PortalFixture f) => f.Services.GetRequiredService<OutboxDispatcher>();

    /// <summary>A second dispatcher, as another portal instance sharing the database would run.</summary>
    public static OutboxDispatcher AnotherDispatcher(this PortalFixture f) => ActivatorUtilities.CreateInstance<OutboxDispatcher>(f.Services);

    public static Task<DispatchResult> DispatchAsync(this PortalFixture f) => f.Dispatcher().RunOnceAsync();

    /// <summary>
    /// For tests about the approvers' and the engineer's mail: the ticket's opener turns her own emails off, as she
    /// would on the Support tickets page, so the outbox holds only the mail the test is about.
    /// </summary>
    public static Task TurnOffOpenerEmailsAsync(this PortalFixture f, DemoPersona opener) =>
        f.As(opener, sp => sp.GetRequiredService<UserPreferencesService>().SetOpenerNotificationsAsync(opener.Oid, false));

    public static Task<List<OutboxMessage>> OutboxAsync(this PortalFixture f) =>
        f.Db(db => db.OutboxMessages.AsNoTracking().OrderBy(m => m.CreatedAt).ThenBy(m => m.Kind).ToListAsync());
}
