using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Notifications;

public sealed class ReminderTests : IAsyncLifetime
{
    private SmtpTestServer _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpTestServer.StartAsync();
    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private async Task<PortalFixture> PortalAsync(string? reminderLead = null)
    {
        var f = MailTesting.SmtpPortal(_smtp.Port, s => { if (reminderLead is not null) s["Email:ReminderBeforeDeadline"] = reminderLead; });
        await f.InitializeAsync();
        return f;
    }

    private static Task<SweepResult> SweepAsync(PortalFixture f) => f.Services.GetRequiredService<LifecycleSweeper>().SweepAsync();

    [Fact]
    public async Task Approvers_are_reminded_once_24_hours_before_the_pending_deadline()
    {
        await using var f = await PortalAsync();
        var r = await f.PendingContosoRequestAsync(); // deadline: Start + 4 days

        f.Time.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await SweepAsync(f)).Reminded);
        f.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await SweepAsync(f)).Reminded);
        Assert.Equal(0, (await SweepAsync(f)).Reminded);
        f.Time.Advance(TimeSpan.FromHours(12));
        Assert.Equal(0, (await SweepAsync(f)).Reminded);

        await f.DispatchAsync();
        var reminder = Assert.Single(_smtp.Received, m => m.Message.Subject?.StartsWith("Reminder") == true);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], reminder.EnvelopeTo.Order());
        Assert.Contains("expires 2026-12-02 09:00 UTC", reminder.Message.Subject);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", reminder.Message.TextBody);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", reminder.Message.HtmlBody);
        var stored = await f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
        Assert.Equal(PortalFixture.Start.AddDays(3), stored.ReminderSentAt);
        Assert.Equal(1, await f.Db(db => db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.RequestReminder)));
    }

    [Fact]
    public async Task The_reminder_lead_time_comes_from_configuration()
    {
        await using var f = await PortalAsync(reminderLead: "02:00:00");
        await f.PendingContosoRequestAsync();

        f.Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, (await SweepAsync(f)).Reminded);
        f.Time.Advance(TimeSpan.FromHours(22));
        Assert.Equal(1, (await SweepAsync(f)).Reminded);
    }

    [Fact]
    public async Task Two_instances_sweeping_at_once_send_one_reminder()
    {
        await using var f = await PortalAsync();
        await f.PendingContosoRequestAsync();
        f.Time.Advance(TimeSpan.FromDays(3));
        var other = ActivatorUtilities.CreateInstance<LifecycleSweeper>(f.Services);

        var results = await Task.WhenAll(Task.Run(() => SweepAsync(f)), Task.Run(() => other.SweepAsync()));

        Assert.Equal(1, results.Sum(x => x.Reminded));
        Assert.Equal(1, await f.Db(db => db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.RequestReminder)));
    }

    [Fact]
    public async Task A_decided_request_gets_no_reminder_and_nor_does_one_with_reminders_off()
    {
        await using var f = await PortalAsync();
        var r = await f.PendingContosoRequestAsync();
        await f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Not needed any more.")));
        f.Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, (await SweepAsync(f)).Reminded);

        await using var off = await PortalAsync(reminderLead: "00:00:00");
        var pending = await off.PendingContosoRequestAsync();
        off.Time.Advance(TimeSpan.FromDays(3) + TimeSpan.FromHours(23));
        Assert.Equal(0, (await SweepAsync(off)).Reminded);
        Assert.Null(await off.Db(db => db.AccessRequests.Where(x => x.Id == pending.Id).Select(x => x.ReminderDueAt).SingleAsync()));
    }
}
