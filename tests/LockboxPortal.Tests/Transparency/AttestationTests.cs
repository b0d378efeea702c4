using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Transparency;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Transparency;

public sealed class AttestationTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private async Task<AccessRequestDto> EndedAsync()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        r = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        _f.Time.Advance(TimeSpan.FromMinutes(30));
        return await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Work is done.")));
    }

    private Task<T> Call<T>(Infrastructure.Demo.DemoPersona? who, Func<AttestationService, Task<T>> call) =>
        _f.As(who, sp => call(sp.GetRequiredService<AttestationService>()));

    private Task<AttestationDto> SubmitAsync(Guid id, string account = "Read the API server logs of aro-prod; changed nothing.", Infrastructure.Demo.DemoPersona? who = null) =>
        Call(who ?? Mia, s => s.SubmitAsync(id, new SubmitAttestationCommand(account)));

    private Task<List<AuditEntry>> AuditAsync(string action) => _f.Db(db => db.AuditEntries.Where(e => e.Action == action).ToListAsync());

    [Fact]
    public async Task No_account_is_asked_while_access_is_pending_or_active()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        Assert.Null(await Call(Carol, s => s.GetAsync(r.Id)));
        await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.Null(await Call(Mia, s => s.GetAsync(r.Id)));
        var ex = await Assert.ThrowsAsync<ConflictException>(() => SubmitAsync(r.Id));
        Assert.Contains("not ended", ex.Message);
        Assert.Equal(0, await _f.Db(db => db.Attestations.CountAsync()));
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("completed")]
    public async Task When_access_ends_the_account_is_due_within_the_configured_days_and_then_overdue(string how)
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        r = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        if (how == "revoked") await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Enough.")));
        else _f.Time.SetUtcNow(r.AccessEndsAt!.Value);
        var ended = how == "revoked" ? _f.Time.GetUtcNow() : r.AccessEndsAt!.Value;

        var due = await Call(Mia, s => s.GetAsync(r.Id));

        Assert.NotNull(due);
        Assert.Equal((AttestationStatus.Due, ended.AddDays(3), false, true, false), (due.Status, due.DueAt, due.IsOverdue, due.CanSubmit, due.CanReview));
        Assert.False((await Call(Carol, s => s.GetAsync(r.Id)))!.CanSubmit);
        Assert.Equal(1, (await _f.Services.GetRequiredService<AttestationSweeper>().SweepAsync()).Asked);
        Assert.Equal(due with { }, (await Call(Mia, s => s.GetAsync(r.Id)))! with { RemindersSent = 0 });
        _f.Time.SetUtcNow(ended.AddDays(3).AddSeconds(1));
        Assert.True((await Call(Uma, s => s.GetAsync(r.Id)))!.IsOverdue);
    }

    [Fact]
    public async Task The_engineer_ends_the_access_early_so_the_grant_stops_and_the_account_is_due_at_once()
    {
        var r = await _f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        r = await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        _f.Time.Advance(TimeSpan.FromMinutes(40));

        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(Carol, s => s.EndAccessAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.Lockbox(Ravi, s => s.EndAccessAsync(r.Id)));
        var ended = await _f.Lockbox(Mia, s => s.EndAccessAsync(r.Id));

        Assert.Equal((AccessRequestStatus.Completed, _f.Time.GetUtcNow(), "Mia Chen"), (ended.Status, ended.AccessEndsAt!.Value, ended.ClosedByName));
        var check = await _f.As(null, sp => sp.GetRequiredService<Application.Grants.GrantService>().CheckAccessAsync(
            new Application.Grants.AccessCheckCaller("gw", [ContosoTenant]), new Application.Grants.AccessCheckQuery(ContosoTenant, Mia.Email, Scenario.ResourceGroup)));
        Assert.False(check.Allowed);
        Assert.Single(await AuditAsync(AuditActions.RequestEnded));
        var due = await Call(Mia, s => s.GetAsync(r.Id));
        Assert.Equal((AttestationStatus.Due, _f.Time.GetUtcNow().AddDays(3)), (due!.Status, due.DueAt));
        await Assert.ThrowsAsync<ConflictException>(() => _f.Lockbox(Mia, s => s.EndAccessAsync(r.Id)));
    }

    [Fact]
    public async Task The_engineer_gives_the_account_once_and_the_approvers_see_it_audited()
    {
        var r = await EndedAsync();

        var given = await SubmitAsync(r.Id, "  Read logs; restarted the API server pod.  ");

        Assert.Equal((AttestationStatus.Submitted, "Read logs; restarted the API server pod."), (given.Status, given.Account));
        var seen = await Call(Adam, s => s.GetAsync(r.Id));
        Assert.Equal((AttestationStatus.Submitted, true, false), (seen!.Status, seen.CanReview, seen.CanSubmit));
        var audit = Assert.Single(await AuditAsync(AuditActions.AttestationSubmitted));
        Assert.Equal(("Mia Chen", ContosoTenant), (audit.Actor, audit.TenantId));

        var again = await Assert.ThrowsAsync<ConflictException>(() => SubmitAsync(r.Id, "Second thoughts."));
        Assert.Contains("already given", again.Message);
        Assert.Equal("Read logs; restarted the API server pod.", (await Call(Mia, s => s.GetAsync(r.Id)))!.Account);
        Assert.Single(await AuditAsync(AuditActions.AttestationSubmitted));
    }

    [Fact]
    public async Task Concurrent_double_submit_records_one_account()
    {
        var r = await EndedAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Record.ExceptionAsync(() => SubmitAsync(r.Id, $"Account {i}")))));
        Assert.Equal(1, results.Count(e => e is null));
        Assert.All(results.Where(e => e is not null), e => Assert.IsType<ConflictException>(e));
        Assert.Single(await AuditAsync(AuditActions.AttestationSubmitted));
    }

    [Fact]
    public async Task Concurrent_acknowledge_and_flag_leave_one_review()
    {
        var r = await EndedAsync();
        await SubmitAsync(r.Id);

        var results = await Task.WhenAll(
            Task.Run(() => Record.ExceptionAsync(() => Call(Carol, s => s.AcknowledgeAsync(r.Id)))),
            Task.Run(() => Record.ExceptionAsync(() => Call(Adam, s => s.AcknowledgeAsync(r.Id)))),
            Task.Run(() => Record.ExceptionAsync(() => Call(Adam, s => s.FlagAsync(r.Id, new FlagAttestationCommand("Why a restart?"))))));

        Assert.Equal(1, results.Count(e => e is null));
        var conflict = Assert.IsType<ConflictException>(results.First(e => e is not null));
        Assert.Contains("already", conflict.Message);
        Assert.Equal(1, (await AuditAsync(AuditActions.AttestationAcknowledged)).Count + (await AuditAsync(AuditActions.AttestationFlagged)).Count);
    }

    [Fact]
    public async Task An_approver_flags_an_account_for_follow_up_with_a_note()
    {
        var r = await EndedAsync();
        await SubmitAsync(r.Id);

        var flagged = await Call(Carol, s => s.FlagAsync(r.Id, new FlagAttestationCommand("Who approved the restart?")));

        Assert.Equal((AttestationStatus.Flagged, "Carol Diaz", "Who approved the restart?", false), (flagged.Status, flagged.ReviewedByName, flagged.ReviewNote, flagged.CanReview));
        var audit = Assert.Single(await AuditAsync(AuditActions.AttestationFlagged));
        Assert.Contains("Who approved the restart?", AuditSentences.Describe(new AuditEntryDto(audit.Sequence, audit.OccurredAt, audit.Actor, audit.ActorOid, audit.Action, audit.Target, audit.Details, audit.Hash)));
    }

    [Fact]
    public async Task Nothing_to_review_before_the_engineer_gave_the_account()
    {
        var r = await EndedAsync();
        var ex = await Assert.ThrowsAsync<ConflictException>(() => Call(Carol, s => s.AcknowledgeAsync(r.Id)));
        Assert.Contains("not given", ex.Message);
        Assert.Empty(await AuditAsync(AuditActions.AttestationAcknowledged));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bell\u0007")]
    [InlineData("TOO-LONG")]
    public async Task A_bad_account_is_refused_by_its_field_and_changes_nothing(string account)
    {
        var r = await EndedAsync();
        if (account == "TOO-LONG") account = new string('a', Attestation.MaxAccountLength + 1);
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => SubmitAsync(r.Id, account));
        Assert.Contains(nameof(SubmitAttestationCommand.Account), ex.Errors.Keys);
        Assert.Equal(AttestationStatus.Due, (await Call(Mia, s => s.GetAsync(r.Id)))!.Status);
        Assert.Empty(await AuditAsync(AuditActions.AttestationSubmitted));
    }

    [Fact]
    public async Task An_account_of_the_longest_allowed_length_is_accepted()
    {
        var r = await EndedAsync();
        var given = await SubmitAsync(r.Id, new string('a', Attestation.MaxAccountLength));
        Assert.Equal(Attestation.MaxAccountLength, given.Account!.Length);
    }

    [Fact]
    public async Task A_flag_without_a_note_is_refused_and_changes_nothing()
    {
        var r = await EndedAsync();
        await SubmitAsync(r.Id);
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Call(Carol, s => s.FlagAsync(r.Id, new FlagAttestationCommand(" "))));
        Assert.Contains(nameof(FlagAttestationCommand.Note), ex.Errors.Keys);
        Assert.Equal(AttestationStatus.Submitted, (await Call(Carol, s => s.GetAsync(r.Id)))!.Status);
    }

    [Fact]
    public async Task Only_the_engineer_who_held_the_access_attests_and_only_the_tenants_approvers_review_refusals_audited()
    {
        var r = await EndedAsync();

        await Assert.ThrowsAsync<NotFoundException>(() => SubmitAsync(r.Id, who: Ravi));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => SubmitAsync(r.Id, who: Carol));
        await SubmitAsync(r.Id);
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Call(Uma, s => s.AcknowledgeAsync(r.Id)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Call(Mia, s => s.AcknowledgeAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => Call(Frank, s => s.AcknowledgeAsync(r.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => Call(Frank, s => s.GetAsync(r.Id)));

        await _f.Services.GetRequiredService<RefusalAuditor>().WriteQueuedAsync();
        var refusals = await AuditAsync(AuditActions.AuthorizationRefused);
        Assert.Contains(refusals, e => e.Actor == "Carol Diaz" && e.Details.Contains("AttestationService.SubmitAsync"));
        Assert.Contains(refusals, e => e.Actor == "Uma Reyes" && e.Details.Contains("AttestationService.AcknowledgeAsync"));
        Assert.Contains(refusals, e => e.Actor == "Mia Chen" && e.Details.Contains("AttestationService.AcknowledgeAsync"));
        Assert.Equal(AttestationStatus.Submitted, (await Call(Carol, s => s.GetAsync(r.Id)))!.Status);
    }

    [Fact]
    public async Task Access_that_ended_before_accounts_were_asked_for_owes_none()
    {
        var r = await EndedAsync();
        _f.Time.Advance(TimeSpan.FromDays(3) + TimeSpan.FromMinutes(1));
        Assert.Null(await Call(Mia, s => s.GetAsync(r.Id)));
        await Assert.ThrowsAsync<ConflictException>(() => SubmitAsync(r.Id));
    }
}

public sealed class AttestationReminderTests : IAsyncLifetime
{
    private SmtpTestServer _smtp = null!;

    public async Task InitializeAsync() => _smtp = await SmtpTestServer.StartAsync();
    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private async Task<PortalFixture> PortalAsync(Action<IDictionary<string, string?>>? configure = null)
    {
        var f = MailTesting.SmtpPortal(_smtp.Port, configure);
        await f.InitializeAsync();
        await f.TurnOffOpenerEmailsAsync(Uma);
        return f;
    }

    private static Task<AttestationSweepResult> SweepAsync(PortalFixture f) => f.Services.GetRequiredService<AttestationSweeper>().SweepAsync();

    private static async Task<AccessRequestDto> EndedAsync(PortalFixture f)
    {
        var r = await f.PendingContosoRequestAsync(TimeSpan.FromHours(2));
        r = await f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        f.Time.SetUtcNow(r.AccessEndsAt!.Value);
        return r;
    }

    private static Task<List<OutboxMessage>> MailOfKindAsync(PortalFixture f, params string[] kinds) =>
        f.Db(db => db.OutboxMessages.Where(m => kinds.Contains(m.Kind)).OrderBy(m => m.CreatedAt).ToListAsync());

    [Fact]
    public async Task The_engineer_is_asked_once_when_access_ends_then_reminded_once_a_day_at_most_three_times()
    {
        await using var f = await PortalAsync();
        var r = await EndedAsync(f);

        Assert.Equal(new AttestationSweepResult(1, 0), await SweepAsync(f));
        Assert.Equal(new AttestationSweepResult(0, 0), await SweepAsync(f));
        for (var day = 1; day <= 5; day++)
        {
            f.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1));
            Assert.Equal(0, (await SweepAsync(f)).Reminded);
            f.Time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(day <= 3 ? 1 : 0, (await SweepAsync(f)).Reminded);
            Assert.Equal(0, (await SweepAsync(f)).Reminded);
        }

        var mail = await MailOfKindAsync(f, OutboxKinds.AttestationDue, OutboxKinds.AttestationReminder);
        Assert.Equal([OutboxKinds.AttestationDue, OutboxKinds.AttestationReminder, OutboxKinds.AttestationReminder, OutboxKinds.AttestationReminder], mail.Select(m => m.Kind));
        Assert.All(mail, m => Assert.Equal("mia.chen@support.microsoft.com", m.To));
        Assert.StartsWith("Reminder: tell the customer what you did", mail[^1].Subject);
        Assert.Single(await f.Db(db => db.AuditEntries.Where(e => e.Action == AuditActions.AttestationRequested && e.Target == $"access-request/{r.Id}").ToListAsync()));

        await f.DispatchAsync();
        var asked = Assert.Single(_smtp.Received, m => m.Message.Subject?.StartsWith("tell the customer") == true);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", asked.Message.TextBody);
    }

    [Fact]
    public async Task No_reminder_after_the_account_was_given()
    {
        await using var f = await PortalAsync();
        var r = await EndedAsync(f);
        await SweepAsync(f);
        await f.As(Mia, sp => sp.GetRequiredService<AttestationService>().SubmitAsync(r.Id, new SubmitAttestationCommand("Read logs only.")));

        f.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(new AttestationSweepResult(0, 0), await SweepAsync(f));
        Assert.Empty(await MailOfKindAsync(f, OutboxKinds.AttestationReminder));
    }

    [Fact]
    public async Task An_account_given_before_the_worker_asked_gets_no_request_email()
    {
        await using var f = await PortalAsync();
        var r = await EndedAsync(f);
        await f.As(Mia, sp => sp.GetRequiredService<AttestationService>().SubmitAsync(r.Id, new SubmitAttestationCommand("Read logs only.")));

        Assert.Equal(new AttestationSweepResult(0, 0), await SweepAsync(f));
        Assert.Empty(await MailOfKindAsync(f, OutboxKinds.AttestationDue, OutboxKinds.AttestationReminder));
    }

    [Fact]
    public async Task Two_instances_sweeping_at_once_ask_and_remind_once()
    {
        await using var f = await PortalAsync();
        await EndedAsync(f);
        var other = ActivatorUtilities.CreateInstance<AttestationSweeper>(f.Services);

        var first = await Task.WhenAll(Task.Run(() => SweepAsync(f)), Task.Run(() => other.SweepAsync()));
        f.Time.Advance(TimeSpan.FromDays(1));
        var second = await Task.WhenAll(Task.Run(() => SweepAsync(f)), Task.Run(() => other.SweepAsync()));

        Assert.Equal(1, first.Sum(x => x.Asked));
        Assert.Equal(1, second.Sum(x => x.Reminded));
        Assert.Single(await MailOfKindAsync(f, OutboxKinds.AttestationDue));
        Assert.Single(await MailOfKindAsync(f, OutboxKinds.AttestationReminder));
    }

    [Fact]
    public async Task A_restarted_portal_carries_on_where_the_last_one_stopped()
    {
        // One database, two portal processes one after the other: all the worker knows is in the rows.
        var database = Path.Combine(Path.GetTempPath(), "lockbox-tests", "attestation-restart-" + Guid.NewGuid().ToString("N") + ".db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        DateTimeOffset clock;
        await using (var before = await PortalAsync())
        {
            await EndedAsync(before);
            Assert.Equal(1, (await SweepAsync(before)).Asked);
            before.Time.Advance(TimeSpan.FromDays(1));
            Assert.Equal(1, (await SweepAsync(before)).Reminded);
            clock = before.Time.GetUtcNow();
            await before.Db(db => db.Database.ExecuteSqlAsync($"VACUUM INTO {database}"));
        }

        await using var after = new PortalFixture(sqliteOnly: true);
        File.Copy(database, after.DatabasePath);
        File.Delete(database);
        await after.InitializeAsync(fromTemplate: false);
        after.Time.SetUtcNow(clock);
        Assert.Equal(new AttestationSweepResult(0, 0), await SweepAsync(after));
        after.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(new AttestationSweepResult(0, 1), await SweepAsync(after));
        Assert.Equal(2, await after.Db(db => db.Attestations.Select(a => a.RemindersSent).SingleAsync()));
    }

    [Fact]
    public async Task Due_days_reminder_interval_and_count_come_from_configuration()
    {
        await using var f = await PortalAsync(s =>
        {
            s["Lockbox:Attestation:DueDays"] = "5";
            s["Lockbox:Attestation:ReminderInterval"] = "02:00:00";
            s["Lockbox:Attestation:MaxReminders"] = "1";
        });
        var r = await EndedAsync(f);
        await SweepAsync(f);
        Assert.Equal(r.AccessEndsAt!.Value.AddDays(5), await f.Db(db => db.Attestations.Select(a => a.DueAt).SingleAsync()));
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, (await SweepAsync(f)).Reminded);
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, (await SweepAsync(f)).Reminded);
    }

    [Theory]
    [InlineData("DueDays", "0")]
    [InlineData("DueDays", "31")]
    [InlineData("MaxReminders", "11")]
    [InlineData("ReminderInterval", "00:10:00")]
    public async Task A_bad_setting_stops_the_portal_at_start_naming_the_key(string key, string value)
    {
        await using var f = new PortalFixture(s => s[$"Lockbox:Attestation:{key}"] = value);
        var ex = Assert.ThrowsAny<Exception>(() => f.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AttestationOptions>>().CurrentValue);
        Assert.Contains($"Lockbox:Attestation:{key}", ex.Message);
    }
}
