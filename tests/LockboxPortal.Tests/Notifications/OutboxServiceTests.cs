using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Common;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Notifications;

/// <summary>Messages that keep failing are kept, shown to the tenant's Global Administrators and retried by them.</summary>
public sealed class OutboxServiceTests : IAsyncLifetime
{
    private readonly int _port = SmtpTestServer.FreePort();
    private PortalFixture _f = null!;

    public async Task InitializeAsync()
    {
        _f = MailTesting.SmtpPortal(_port, s => s["Email:MaxAttempts"] = "3");
        await _f.InitializeAsync();
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Outbox<T>(DemoPersona? who, Func<OutboxService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<OutboxService>()));

    /// <summary>The SMTP server stays down through every attempt: 30 s, then 60 s of backoff, then Failed.</summary>
    private async Task<OutboxMessage> FailedMessageAsync()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // one message: the approvers'
        await _f.PendingContosoRequestAsync();
        Assert.Equal(1, (await _f.DispatchAsync()).Retrying);
        _f.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, (await _f.DispatchAsync()).Retrying);
        _f.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(1, (await _f.DispatchAsync()).Failed);
        _f.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, (await _f.DispatchAsync()).Claimed); // kept, not retried by itself
        return Assert.Single(await _f.OutboxAsync());
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_kept_with_its_last_error_and_a_retry_delivers_it_once()
    {
        var failed = await FailedMessageAsync();
        Assert.Equal((OutboxStatus.Failed, 3), (failed.Status, failed.Attempts));

        var page = await Outbox(Carol, s => s.ListAsync(new OutboxQuery()));
        var shown = Assert.Single(page.Items);
        Assert.Equal(1, page.TotalCount);
        Assert.Equal(failed.Id, shown.Id);
        Assert.False(string.IsNullOrWhiteSpace(shown.LastError));
        Assert.Contains("refused", shown.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], shown.To);
        Assert.Equal(1, await Outbox(Carol, s => s.CountFailedAsync()));

        await using var smtp = await SmtpTestServer.StartAsync(_port);
        var retried = await Outbox(Carol, s => s.RetryAsync(failed.Id));
        Assert.Equal((OutboxStatus.Pending, 0), (retried.Status, retried.Attempts));
        Assert.Equal(1, (await _f.DispatchAsync()).Sent);
        Assert.Equal(0, (await _f.DispatchAsync()).Claimed);

        var mail = Assert.Single(smtp.Received);
        Assert.Equal(failed.MessageId, $"<{mail.Message.MessageId}>");
        Assert.Empty((await Outbox(Carol, s => s.ListAsync(new OutboxQuery()))).Items);
        Assert.Single((await Outbox(Carol, s => s.ListAsync(new OutboxQuery(OutboxStatus.Sent)))).Items);
        var audit = await _f.Db(db => db.AuditEntries.SingleAsync(e => e.Action == AuditActions.NotificationRetried));
        Assert.Equal("Carol Diaz", audit.Actor);
        await Assert.ThrowsAsync<ConflictException>(() => Outbox(Carol, s => s.RetryAsync(failed.Id)));
    }

    [Fact]
    public async Task Only_a_failed_message_can_be_retried()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma);
        await _f.PendingContosoRequestAsync();
        var pending = Assert.Single(await _f.OutboxAsync());
        var ex = await Assert.ThrowsAsync<ConflictException>(() => Outbox(Carol, s => s.RetryAsync(pending.Id)));
        Assert.Contains("still queued", ex.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => Outbox(Carol, s => s.RetryAsync(Guid.NewGuid())));
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("uma")]
    [InlineData("mia")]
    [InlineData(null)]
    public async Task Anyone_but_a_global_administrator_is_refused(string? persona)
    {
        var failed = await FailedMessageAsync();
        var who = Find(persona);

        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Outbox(who, s => s.ListAsync(new OutboxQuery(null))));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Outbox(who, s => s.CountFailedAsync()));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Outbox(who, s => s.RetryAsync(failed.Id)));
        Assert.Equal(OutboxStatus.Failed, Assert.Single(await _f.OutboxAsync()).Status);
    }

    [Fact]
    public async Task Another_tenants_global_administrator_neither_sees_nor_retries_the_message()
    {
        var failed = await FailedMessageAsync();

        Assert.Empty((await Outbox(Frank, s => s.ListAsync(new OutboxQuery(null)))).Items);
        Assert.Equal(0, await Outbox(Frank, s => s.CountFailedAsync()));
        await Assert.ThrowsAsync<NotFoundException>(() => Outbox(Frank, s => s.RetryAsync(failed.Id)));
        Assert.Equal(OutboxStatus.Failed, Assert.Single(await _f.OutboxAsync()).Status);
    }
}
