using LockboxPortal.Application.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Notifications;

/// <summary>The embedded default: .eml files under data/mail, read back by the Development mailbox.</summary>
public sealed class PickupMailboxTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task The_pickup_transport_writes_the_approvers_email_and_the_mailbox_shows_it()
    {
        var folder = _f.Services.GetRequiredService<PickupFolder>();
        Assert.Equal(Path.Combine(Path.GetDirectoryName(_f.DatabasePath)!, "data", "mail"), folder.Path);
        await _f.TurnOffOpenerEmailsAsync(DemoPersonas.Uma); // only the approvers' email
        var r = await _f.PendingContosoRequestAsync();

        Assert.Equal(1, (await _f.DispatchAsync()).Sent);

        Assert.Single(Directory.GetFiles(folder.Path, "*.eml"));
        var mailbox = _f.Services.GetRequiredService<IDevelopmentMailbox>();
        var item = Assert.Single(await mailbox.ListAsync(50));
        Assert.Contains(r.TicketNumber, item.Subject);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], item.To.Order());
        var message = await mailbox.GetAsync(item.Id);
        Assert.NotNull(message);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", message.TextBody);
        Assert.Contains("<table>", message.HtmlBody);
        var row = Assert.Single(await _f.OutboxAsync());
        Assert.Equal(row.MessageId, $"<{message.MessageId}>");
    }

    [Fact]
    public async Task Sending_the_same_message_again_replaces_its_file_rather_than_adding_one()
    {
        await _f.TurnOffOpenerEmailsAsync(DemoPersonas.Uma);
        await _f.PendingContosoRequestAsync();
        var row = Assert.Single(await _f.OutboxAsync());
        var transport = _f.Services.GetRequiredService<IEmailTransport>();
        var email = new OutgoingEmail(row.MessageId, row.Recipients, row.Subject, row.TextBody, row.HtmlBody, row.CreatedAt);

        await transport.SendAsync(email, default);
        await transport.SendAsync(email, default);

        Assert.Single(Directory.GetFiles(_f.Services.GetRequiredService<PickupFolder>().Path, "*.eml"));
    }

    [Theory]
    [InlineData("../lockbox")]
    [InlineData("..\\lockbox")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    [InlineData("no-such-message")]
    public async Task The_mailbox_answers_anything_but_its_own_ids_with_nothing(string id)
    {
        await _f.PendingContosoRequestAsync();
        await _f.DispatchAsync();
        Assert.Null(await _f.Services.GetRequiredService<IDevelopmentMailbox>().GetAsync(id));
    }
}
