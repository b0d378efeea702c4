using System.Diagnostics;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SmtpServer.Protocol;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Notifications;

/// <summary>The outbox delivered over real SMTP to a server on loopback.</summary>
public sealed class OutboxDeliveryTests : IAsyncLifetime
{
    private SmtpTestServer _smtp = null!;
    private PortalFixture _f = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpTestServer.StartAsync();
        _f = MailTesting.SmtpPortal(_smtp.Port);
        await _f.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _f.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Filing_a_request_emails_the_approvers_and_alternate_addresses_with_text_and_html()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        var settings = await _f.As(Carol, sp => sp.GetRequiredService<AdministrationService>().GetSettingsAsync());
        await _f.As(Carol, sp => sp.GetRequiredService<AdministrationService>().SetAlternateEmailsAsync(["secops@contoso.com"], settings.Version));
        var r = await _f.PendingContosoRequestAsync();

        var round = await _f.DispatchAsync();

        Assert.Equal(new DispatchResult(1, 1, 0, 0), round);
        var mail = Assert.Single(_smtp.Received);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com", "secops@contoso.com"], mail.EnvelopeTo.Order());
        Assert.Equal("lockbox@lockbox.test", mail.EnvelopeFrom);
        var m = mail.Message;
        Assert.Contains(r.TicketNumber, m.Subject);
        Assert.Contains("Mia Chen (Microsoft)", m.Subject);
        var link = $"https://lockbox.test/lockbox/requests/{r.Id}";
        foreach (var body in new[] { m.TextBody, m.HtmlBody })
        {
            Assert.NotNull(body);
            Assert.Contains(r.Id.ToString(), body);
            Assert.Contains(r.TicketNumber, body);
            Assert.Contains("Mia Chen", body);
            Assert.Contains("Microsoft", body);
            Assert.Contains(Scenario.Subscription, body);
            Assert.Contains(Scenario.ResourceGroup, body);
            Assert.Contains("Read the API server logs", body);
            Assert.Contains("8 hours", body);
            Assert.Contains("2026-12-02 09:00 UTC", body);
            Assert.Contains(link, body);
        }
        Assert.Contains($"href=\"{link}\"", m.HtmlBody);

        var row = Assert.Single(await _f.OutboxAsync());
        Assert.Equal(OutboxStatus.Sent, row.Status);
        Assert.Equal(PortalFixture.Start, row.SentAt);
        Assert.Equal(row.MessageId, $"<{m.MessageId}>");
        Assert.Equal(new DispatchResult(0, 0, 0, 0), await _f.DispatchAsync());
        Assert.Single(_smtp.Received);
    }

    [Fact]
    public async Task The_engineer_is_emailed_the_approval_with_its_window_and_the_revocation()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromMinutes(10));
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(2))));
        _f.Time.Advance(TimeSpan.FromMinutes(30));
        await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Incident closed.")));

        await _f.DispatchAsync();

        var toMia = _smtp.Received.Where(x => x.EnvelopeTo.SequenceEqual(["mia.chen@support.microsoft.com"])).Select(x => x.Message).ToList();
        Assert.Equal(2, toMia.Count);
        var approved = Assert.Single(toMia, m => (m.Subject ?? "").StartsWith("Approved"));
        Assert.Contains("from 2026-11-28 09:10 UTC until 2026-11-28 11:10 UTC", approved.TextBody);
        var revoked = Assert.Single(toMia, m => (m.Subject ?? "").StartsWith("Revoked"));
        Assert.Contains("Adam Price revoked", revoked.TextBody);
        Assert.Contains("Incident closed.", revoked.HtmlBody);
    }

    [Fact]
    public async Task The_engineer_is_emailed_a_denial_with_its_reason_and_an_expiry()
    {
        var denied = await _f.PendingContosoRequestAsync();
        var ignored = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.DenyAsync(denied.Id, new DenyCommand("Use the read-only diagnostics instead.")));
        _f.Time.Advance(TimeSpan.FromDays(4));
        await _f.Services.GetRequiredService<LifecycleSweeper>().SweepAsync();

        await _f.DispatchAsync();

        var toMia = _smtp.Received.Where(x => x.EnvelopeTo.SequenceEqual(["mia.chen@support.microsoft.com"])).Select(x => x.Message).ToList();
        var deny = Assert.Single(toMia, m => (m.Subject ?? "").StartsWith("Denied"));
        Assert.Contains("Use the read-only diagnostics instead.", deny.TextBody);
        Assert.Contains("Carol Diaz", deny.TextBody);
        var expiry = Assert.Single(toMia, m => (m.Subject ?? "").StartsWith("Expired"));
        Assert.Contains(ignored.Id.ToString(), expiry.TextBody);
    }

    [Fact]
    public async Task With_lockbox_off_the_approvers_are_not_emailed_and_the_engineer_is()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        await _f.Db(db => db.Tenants.ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, false)));
        var r = await _f.PendingContosoRequestAsync();
        Assert.Equal(AccessRequestStatus.Approved, r.Status);

        await _f.DispatchAsync();

        var mail = Assert.Single(_smtp.Received);
        Assert.Equal(["mia.chen@support.microsoft.com"], mail.EnvelopeTo);
        Assert.StartsWith("Approved", mail.Message.Subject);
    }

    [Fact]
    public async Task Two_dispatchers_racing_on_one_database_send_each_message_once()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        for (var i = 0; i < 12; i++) await _f.PendingContosoRequestAsync();
        var a = _f.Dispatcher();
        var b = _f.AnotherDispatcher();
        Assert.NotEqual(a.InstanceId, b.InstanceId);

        var claimed = 0;
        while (true)
        {
            var rounds = await Task.WhenAll(Task.Run(() => a.RunOnceAsync()), Task.Run(() => b.RunOnceAsync()));
            if (rounds.Sum(x => x.Claimed) == 0) break;
            claimed += rounds.Sum(x => x.Claimed);
        }

        var ids = _smtp.Received.Select(x => x.Message.MessageId).ToList();
        Assert.Equal(12, ids.Count);
        Assert.Equal(12, ids.Distinct().Count());
        Assert.Equal(12, claimed);
        Assert.All(await _f.OutboxAsync(), m => Assert.Equal((OutboxStatus.Sent, 1), (m.Status, m.Attempts)));
    }

    [Fact]
    public async Task A_dispatcher_that_dies_after_claiming_leaves_the_message_to_another_once_its_lease_lapses()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        await _f.PendingContosoRequestAsync();
        var dead = await _f.AnotherDispatcher().ClaimAsync(CancellationToken.None);
        Assert.Single(dead.Messages);

        var survivor = _f.Dispatcher();
        Assert.Equal(0, (await survivor.RunOnceAsync()).Claimed);
        Assert.Empty(_smtp.Received);

        _f.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await survivor.RunOnceAsync());
        Assert.Equal(new DispatchResult(0, 0, 0, 0), await survivor.RunOnceAsync());

        Assert.Single(_smtp.Received);
        var row = Assert.Single(await _f.OutboxAsync());
        Assert.Equal((OutboxStatus.Sent, 2), (row.Status, row.Attempts));
    }

    [Fact]
    public async Task A_portal_stopped_after_the_commit_and_before_the_send_delivers_exactly_once_after_restart()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        // The request commits with its outbox row, and the process stops before its dispatcher runs.
        await _f.PendingContosoRequestAsync();
        Assert.Equal(OutboxStatus.Pending, Assert.Single(await _f.OutboxAsync()).Status);

        // "Restart": a new process (own service provider, pool and dispatcher) on the same database file.
        await using var restarted = MailTesting.SmtpPortal(_smtp.Port, s => s["ConnectionStrings:Lockbox"] = _f.ConnectionString);
        Assert.Empty(_smtp.Received);
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await restarted.DispatchAsync());
        Assert.Equal(0, (await restarted.DispatchAsync()).Claimed);
        Assert.Equal(0, (await _f.DispatchAsync()).Claimed); // the old instance's dispatcher, had it come back

        var mail = Assert.Single(_smtp.Received);
        Assert.Contains("carol.diaz@contoso.com", mail.EnvelopeTo);
    }

    [Fact]
    public async Task A_server_that_is_down_and_comes_back_gets_the_message_once()
    {
        await using var f = MailTesting.SmtpPortal(SmtpTestServer.FreePort());
        await f.InitializeAsync();
        await f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        var port = int.Parse(f.Configuration["Email:Smtp:Port"]!);
        await f.PendingContosoRequestAsync();

        Assert.Equal(new DispatchResult(1, 0, 1, 0), await f.DispatchAsync());
        var row = Assert.Single(await f.OutboxAsync());
        Assert.Equal(OutboxStatus.Pending, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.NotNull(row.LastError);
        Assert.Equal(PortalFixture.Start.AddSeconds(30), row.NextAttemptAt);
        Assert.Null(row.ClaimedBy);
        Assert.Equal(0, (await f.DispatchAsync()).Claimed);

        await using var smtp = await SmtpTestServer.StartAsync(port);
        f.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(new DispatchResult(1, 1, 0, 0), await f.DispatchAsync());
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, (await f.DispatchAsync()).Claimed);

        var mail = Assert.Single(smtp.Received);
        Assert.Equal($"<{mail.Message.MessageId}>", row.MessageId);
        row = Assert.Single(await f.OutboxAsync());
        Assert.Equal((OutboxStatus.Sent, 2, (string?)null), (row.Status, row.Attempts, row.LastError));
    }

    [Fact]
    public void Backoff_doubles_up_to_its_cap()
    {
        var options = new EmailOptions { RetryBaseDelay = TimeSpan.FromSeconds(30), RetryMaxDelay = TimeSpan.FromMinutes(5) };
        Assert.Equal([30, 60, 120, 240, 300, 300], Enumerable.Range(1, 6).Select(n => options.Backoff(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromMinutes(5), options.Backoff(1000));
    }

    [Fact]
    public async Task A_decision_whose_transaction_rolls_back_sends_no_email()
    {
        await using var f = MailTesting.SmtpPortal(_smtp.Port, services: services => services.AddSingleton<ILockboxDbContextFactory, FailingSaveFactory>());
        await f.InitializeAsync();
        await f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        var r = await f.PendingContosoRequestAsync();
        FailingSaveFactory.FailWhen = db => db.ChangeTracker.Entries<OutboxMessage>()
            .Any(e => e.State == EntityState.Added && e.Entity.Kind == OutboxKinds.RequestApproved);
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand())));
        }
        finally
        {
            FailingSaveFactory.FailWhen = null;
        }

        await f.DispatchAsync();

        Assert.Equal(AccessRequestStatus.CustomerNotified, await f.Db(db => db.AccessRequests.Where(x => x.Id == r.Id).Select(x => x.Status).SingleAsync()));
        Assert.DoesNotContain(await f.OutboxAsync(), m => m.Kind == OutboxKinds.RequestApproved);
        var mail = Assert.Single(_smtp.Received);
        Assert.DoesNotContain("mia.chen@support.microsoft.com", mail.EnvelopeTo);
    }

    [Fact]
    public async Task Header_text_in_user_written_fields_never_becomes_a_header()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        var ticket = await _f.OpenTicketAsync(Uma);
        var sneaky = Mia with { Name = "Mia Chen\r\nBcc: evil@example.com\r\nX-Injected: name" };
        await _f.As(sneaky, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number) with
        {
            Justification = "Need logs.\r\nBcc: evil@example.com\r\nX-Injected: justification\r\n\r\n<script>alert(1)</script>",
        }));

        await _f.DispatchAsync();

        var mail = Assert.Single(_smtp.Received);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], mail.EnvelopeTo.Order());
        var headers = mail.Message.Headers;
        Assert.DoesNotContain(headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(headers, h => h.Field.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
        Assert.Single(headers, h => h.Field == "Subject");
        Assert.DoesNotContain("\n", mail.Message.Subject ?? "");
        Assert.Contains("Bcc: evil@example.com", mail.Message.TextBody);
        Assert.DoesNotContain("<script>", mail.Message.HtmlBody);
        Assert.Contains("&lt;script&gt;", mail.Message.HtmlBody);
    }

    [Fact]
    public async Task A_row_with_header_text_in_its_subject_and_recipients_is_sent_without_an_extra_header_or_recipient()
    {
        await _f.Db(async db =>
        {
            db.OutboxMessages.Add(new OutboxMessage
            {
                Id = Guid.NewGuid(),
                MessageId = "<raw-row@lockbox.test>",
                Kind = OutboxKinds.RequestFiled,
                TenantId = ContosoTenant,
                To = "carol.diaz@contoso.com;adam.price@contoso.com\r\nBcc: evil@example.com",
                Subject = "Hello\r\nBcc: evil@example.com\r\nX-Injected: subject",
                TextBody = "text",
                HtmlBody = "<p>html</p>",
                CreatedAt = PortalFixture.Start,
                NextAttemptAt = PortalFixture.Start,
            });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(1, (await _f.DispatchAsync()).Sent);

        var mail = Assert.Single(_smtp.Received);
        Assert.Equal(["carol.diaz@contoso.com"], mail.EnvelopeTo);
        Assert.DoesNotContain(mail.Message.Headers, h => h.Field is "Bcc" or "X-Injected");
        Assert.Equal("Hello  Bcc: evil@example.com  X-Injected: subject", mail.Message.Subject);
        Assert.Equal("raw-row@lockbox.test", mail.Message.MessageId);
    }

    [Fact]
    public async Task A_server_that_refuses_the_message_fails_it_at_once_with_the_servers_answer()
    {
        await _f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail
        _smtp.Answer = () => new SmtpResponse(SmtpReplyCode.TransactionFailed, "Rejected by policy");
        await _f.PendingContosoRequestAsync();

        Assert.Equal(new DispatchResult(1, 0, 0, 1), await _f.DispatchAsync());

        var row = Assert.Single(await _f.OutboxAsync());
        Assert.Equal(OutboxStatus.Failed, row.Status);
        Assert.Contains("554", row.LastError);
        Assert.Contains("Rejected by policy", row.LastError);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_server_that_hangs_or_hangs_up_costs_one_bounded_attempt_and_never_blocks_the_action(bool hangUp)
    {
        await using var bad = new MisbehavingServer(hangUp);
        await using var f = MailTesting.SmtpPortal(bad.Port, s => s["Email:Smtp:ConnectTimeout"] = "00:00:01");
        await f.InitializeAsync();
        await f.TurnOffOpenerEmailsAsync(Uma); // this test counts the approvers' and the engineer's mail

        var clock = Stopwatch.StartNew();
        var r = await f.PendingContosoRequestAsync();
        await f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        var actions = clock.Elapsed;
        Assert.Equal(0, bad.Connections); // nothing talks to the mail server on the user's path

        clock.Restart();
        var round = await f.DispatchAsync();
        var dispatch = clock.Elapsed;

        Assert.Equal(new DispatchResult(2, 0, 2, 0), round);
        Assert.True(dispatch < TimeSpan.FromSeconds(8), $"Dispatch took {dispatch}");
        Assert.True(bad.Connections >= 1);
        Assert.All(await f.OutboxAsync(), m =>
        {
            Assert.Equal(OutboxStatus.Pending, m.Status);
            Assert.False(string.IsNullOrEmpty(m.LastError));
            Assert.Null(m.ClaimedBy);
        });
        Assert.True(actions < TimeSpan.FromSeconds(5), $"Filing and approving took {actions}");
    }

    /// <summary>Fails SaveChanges when told to, after the service's conditional update ran: a rollback mid-transaction.</summary>
    private sealed class FailingSaveFactory(IDbContextFactory<LockboxDbContext> inner) : ILockboxDbContextFactory
    {
        public static Func<LockboxDbContext, bool>? FailWhen { get; set; }

        public async Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            var db = await inner.CreateDbContextAsync(cancellationToken);
            db.SavingChanges += (_, _) =>
            {
                if (FailWhen?.Invoke(db) == true) throw new InvalidOperationException("Simulated failure before commit.");
            };
            return db;
        }
    }
}
