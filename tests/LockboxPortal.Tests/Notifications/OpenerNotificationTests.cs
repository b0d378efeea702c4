using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Notifications;

/// <summary>The customer who opened a ticket hears when access to their environment is requested and decided (issue 13.11).</summary>
public sealed class OpenerNotificationTests : IAsyncLifetime
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

    private Task<List<OutboxMessage>> OpenerMailAsync() =>
        _f.Db(db => db.OutboxMessages.AsNoTracking().Where(m => m.Kind == OutboxKinds.OpenerNotified).OrderBy(m => m.CreatedAt).ToListAsync());

    private Task<bool> PreferenceOfAsync(Infrastructure.Demo.DemoPersona who) =>
        _f.As(who, sp => sp.GetRequiredService<UserPreferencesService>().GetOpenerNotificationsAsync());

    private Task SetPreferenceAsync(Infrastructure.Demo.DemoPersona caller, Guid profileOid, bool enabled) =>
        _f.As(caller, sp => sp.GetRequiredService<UserPreferencesService>().SetOpenerNotificationsAsync(profileOid, enabled));

    [Fact]
    public async Task The_opener_gets_exactly_one_email_when_access_is_requested_delivered_over_smtp()
    {
        var r = await _f.PendingContosoRequestAsync();

        await _f.DispatchAsync();

        var toUma = Assert.Single(_smtp.Received, m => m.EnvelopeTo.Contains(Uma.Email));
        Assert.Equal([Uma.Email], toUma.EnvelopeTo);
        Assert.Equal($"Access to your environment requested for ticket {r.TicketNumber}", toUma.Message.Subject);
        Assert.Contains("Mia Chen of Microsoft asks for access to your environment", toUma.Message.TextBody);
        Assert.Contains("2026-12-02 09:00 UTC", toUma.Message.TextBody);
        Assert.Contains("turn these emails off on the Support tickets page", toUma.Message.TextBody);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", toUma.Message.HtmlBody);
        var approvers = Assert.Single(_smtp.Received, m => m.Message.Subject!.StartsWith("Customer Lockbox request"));
        Assert.DoesNotContain(Uma.Email, approvers.EnvelopeTo);
        var row = Assert.Single(await OpenerMailAsync());
        Assert.Equal((r.Id, (Guid?)ContosoTenant), (row.AccessRequestId!.Value, row.TenantId));
    }

    [Fact]
    public async Task The_opener_gets_exactly_one_more_email_when_the_request_is_approved()
    {
        var r = await _f.PendingContosoRequestAsync();
        _f.Time.Advance(TimeSpan.FromMinutes(5));
        await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand(TimeSpan.FromHours(2))));

        var mail = await OpenerMailAsync();

        Assert.Equal(2, mail.Count);
        Assert.All(mail, m => Assert.Equal(Uma.Email, m.To));
        Assert.Equal($"Access approved for ticket {r.TicketNumber}", mail[1].Subject);
        Assert.Contains("Adam Price approved access to your environment for Mia Chen of Microsoft", mail[1].TextBody);
        Assert.Contains("from 2026-11-28 09:05 UTC until 2026-11-28 11:05 UTC", mail[1].TextBody);
    }

    [Fact]
    public async Task The_opener_gets_exactly_one_more_email_when_the_request_is_denied()
    {
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Use the read-only diagnostics instead.")));

        var mail = await OpenerMailAsync();

        Assert.Equal(2, mail.Count);
        Assert.Equal($"Access denied for ticket {r.TicketNumber}", mail[1].Subject);
        Assert.Contains("Carol Diaz denied Mia Chen of Microsoft access to your environment", mail[1].TextBody);
        Assert.Contains("Use the read-only diagnostics instead.", mail[1].TextBody);
    }

    [Fact]
    public async Task The_opener_is_told_of_an_expiry_and_a_revocation_and_not_of_a_withdrawal_or_the_end_of_the_window()
    {
        var revoked = await _f.PendingContosoRequestAsync();
        var expired = await _f.PendingContosoRequestAsync();
        var withdrawn = await _f.PendingContosoRequestAsync();
        var completed = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Adam, s => s.ApproveAsync(revoked.Id, new ApproveCommand()));
        await _f.Lockbox(Carol, s => s.RevokeAsync(revoked.Id, new RevokeCommand("Incident closed.")));
        await _f.Lockbox(Mia, s => s.WithdrawAsync(withdrawn.Id));
        await _f.Lockbox(Adam, s => s.ApproveAsync(completed.Id, new ApproveCommand()));
        _f.Time.Advance(TimeSpan.FromDays(4));
        await _f.Services.GetRequiredService<LifecycleSweeper>().SweepAsync();
        Assert.Equal(AccessRequestStatus.Completed, (await _f.Read(Uma, completed.Id)).Status);

        var mail = await OpenerMailAsync();

        Assert.Equal(["Access to your environment requested", "Access approved", "Access revoked"],
            mail.Where(m => m.AccessRequestId == revoked.Id).Select(m => m.Subject.Split(" for ticket")[0]));
        Assert.Contains("Carol Diaz revoked the access of Mia Chen", mail.Last(m => m.AccessRequestId == revoked.Id).TextBody);
        Assert.Equal(["Access to your environment requested", "Access request expired"],
            mail.Where(m => m.AccessRequestId == expired.Id).Select(m => m.Subject.Split(" for ticket")[0]));
        Assert.Single(mail, m => m.AccessRequestId == withdrawn.Id);
        Assert.Equal(2, mail.Count(m => m.AccessRequestId == completed.Id));
    }

    [Fact]
    public async Task With_lockbox_off_the_opener_is_told_the_request_was_approved_automatically_once()
    {
        await _f.Db(db => db.Tenants.ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, false)));
        var r = await _f.PendingContosoRequestAsync();

        var mail = Assert.Single(await OpenerMailAsync());

        Assert.Equal($"Access approved automatically for ticket {r.TicketNumber}", mail.Subject);
        Assert.Contains("Customer Lockbox is off for your organization", mail.TextBody);
    }

    [Fact]
    public async Task An_opener_who_turned_it_off_gets_nothing_while_the_approvers_and_the_engineer_still_do()
    {
        await SetPreferenceAsync(Uma, Uma.Oid, false);
        var r = await _f.PendingContosoRequestAsync();
        await _f.Lockbox(Adam, s => s.DenyAsync(r.Id, new DenyCommand("Not needed.")));

        Assert.Empty(await OpenerMailAsync());
        var kinds = (await _f.OutboxAsync()).Select(m => m.Kind).Order().ToList();
        Assert.Equal([OutboxKinds.RequestDenied, OutboxKinds.RequestFiled], kinds);
        Assert.False(await PreferenceOfAsync(Uma));
        Assert.True(await PreferenceOfAsync(Carol));

        await SetPreferenceAsync(Uma, Uma.Oid, true);
        await _f.PendingContosoRequestAsync();
        Assert.Single(await OpenerMailAsync());
    }

    [Fact]
    public async Task An_approver_who_opened_the_ticket_gets_the_approvers_email_and_not_a_second_one()
    {
        var ticket = await _f.OpenTicketAsync(Adam);
        var r = await _f.FileAsync(Mia, Scenario.Request(ticket.Number));
        Assert.Empty(await OpenerMailAsync());
        var filed = Assert.Single(await _f.OutboxAsync());
        Assert.Contains(Adam.Email, filed.Recipients);

        // Told when someone else decides; not of his own decision.
        await _f.Lockbox(Carol, s => s.DenyAsync(r.Id, new DenyCommand("Not needed.")));
        Assert.Equal($"Access denied for ticket {r.TicketNumber}", Assert.Single(await OpenerMailAsync()).Subject);
        var own = await _f.FileAsync(Mia, Scenario.Request(ticket.Number));
        await _f.Lockbox(Adam, s => s.ApproveAsync(own.Id, new ApproveCommand()));
        Assert.Single(await OpenerMailAsync());
    }

    [Fact]
    public async Task A_user_of_another_tenant_is_never_emailed_about_this_tenants_requests()
    {
        var r = await _f.PendingContosoRequestAsync();
        // Uma's profile follows her latest sign-in; she now signs in from Fabrikam and is no user of Contoso's environment.
        await _f.Db(db => db.UserProfiles.Where(p => p.Oid == Uma.Oid).ExecuteUpdateAsync(s => s.SetProperty(p => p.TenantId, FabrikamTenant)));
        await _f.Lockbox(Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));

        var mail = Assert.Single(await OpenerMailAsync());
        Assert.Equal(OutboxStatus.Pending, mail.Status);
        Assert.Contains("requested", mail.Subject);
        Assert.DoesNotContain(await _f.OutboxAsync(), m => m.To.Contains(Fiona.Email, StringComparison.OrdinalIgnoreCase)
            || m.To.Contains(Frank.Email, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_customer_cannot_change_another_users_preference_and_the_refusal_is_audited()
    {
        var refused = await Assert.ThrowsAsync<ForbiddenAccessException>(() => SetPreferenceAsync(Carol, Uma.Oid, false));
        Assert.Contains("only your own", refused.Message);
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => SetPreferenceAsync(Fiona, Uma.Oid, false));

        Assert.True(await PreferenceOfAsync(Uma));
        await _f.Services.GetRequiredService<LockboxPortal.Application.Audit.RefusalAuditor>().WriteQueuedAsync();
        var audited = await _f.Db(db => db.AuditEntries.AsNoTracking().Where(a => a.Action == AuditActions.AuthorizationRefused).ToListAsync());
        Assert.Equal(2, audited.Count(a => a.Details.Contains("UserPreferencesService.SetOpenerNotificationsAsync")));
    }

    [Fact]
    public async Task An_engineer_or_an_anonymous_caller_cannot_read_or_change_a_preference()
    {
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => SetPreferenceAsync(Mia, Mia.Oid, false));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => SetPreferenceAsync(Mia, Uma.Oid, false));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => PreferenceOfAsync(Mia));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(null, sp => sp.GetRequiredService<UserPreferencesService>().GetOpenerNotificationsAsync()));
        Assert.True(await PreferenceOfAsync(Uma));
    }

    [Fact]
    public async Task A_user_whose_profile_was_never_recorded_is_told_to_sign_in_again_and_nothing_changes()
    {
        await _f.Db(db => db.UserProfiles.Where(p => p.Oid == Uma.Oid).ExecuteDeleteAsync());

        var missing = await Assert.ThrowsAsync<NotFoundException>(() => SetPreferenceAsync(Uma, Uma.Oid, false));

        Assert.Contains("sign out and sign in again", missing.Message);
        Assert.False(await _f.Db(db => db.UserProfiles.AnyAsync(p => p.Oid == Uma.Oid)));
        Assert.True(await PreferenceOfAsync(Uma));
    }
}
