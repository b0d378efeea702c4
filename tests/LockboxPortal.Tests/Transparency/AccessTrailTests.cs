using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Domain.Transparency;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Transparency;

public sealed class AccessTrailTests : IAsyncLifetime
{
    private static readonly AccessCheckCaller Gateway = new("contoso-gateway", [ContosoTenant]);
    private static readonly AccessCheckCaller FabrikamGateway = new("fabrikam-gateway", [FabrikamTenant]);
    private const string Vm = Scenario.ResourceGroup + "/providers/Microsoft.Compute/virtualMachines/vm1";
    private const string Elsewhere = "/subscriptions/" + Scenario.Subscription + "/resourceGroups/payroll-rg";

    private SmtpTestServer _smtp = null!;
    private PortalFixture _f = null!;

    public async Task InitializeAsync()
    {
        _smtp = await SmtpTestServer.StartAsync();
        _f = MailTesting.SmtpPortal(_smtp.Port);
        await _f.InitializeAsync();
        await _f.TurnOffOpenerEmailsAsync(Uma);
    }

    public async Task DisposeAsync()
    {
        await _f.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    private async Task<AccessRequestDto> ApprovedAsync(TimeSpan? duration = null)
    {
        var r = await _f.PendingContosoRequestAsync(duration ?? TimeSpan.FromHours(2));
        return await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()));
    }

    private Task<AccessEventsReceipt> ReportAsync(AccessCheckCaller caller, params ReportedAccessEvent?[] events) =>
        _f.As(null, sp => sp.GetRequiredService<AccessTrailService>().ReportAsync(caller, events));

    private static ReportedAccessEvent Use(string id, Guid grant, DateTimeOffset at, string resource = Vm, string action = "Microsoft.Compute/virtualMachines/read") =>
        new(id, grant, resource, action, at);

    private Task<List<AccessEvent>> StoredAsync() => _f.Db(db => db.AccessEvents.AsNoTracking().OrderBy(e => e.OccurredAt).ToListAsync());
    private Task<int> AlertsAsync() => _f.Db(db => db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.AccessAnomaly));
    private Task<List<AuditEntry>> AnomalyAuditsAsync() => _f.Db(db => db.AuditEntries.Where(e => e.Action == AuditActions.AccessAnomaly).ToListAsync());

    [Fact]
    public async Task A_use_inside_the_window_and_the_scope_is_recorded_without_an_anomaly_or_alert()
    {
        var r = await ApprovedAsync();
        _f.Time.Advance(TimeSpan.FromMinutes(10));

        var receipt = await ReportAsync(Gateway, Use("e-1", r.Id, _f.Time.GetUtcNow().AddMinutes(-1)));

        Assert.Equal(1, receipt.Recorded);
        Assert.Empty(Assert.Single(receipt.Events).Anomalies);
        var stored = Assert.Single(await StoredAsync());
        Assert.Equal((r.Id, ContosoTenant, AccessEventKind.Use, AccessAnomaly.None, "contoso-gateway"), (stored.RequestId, stored.TenantId, stored.Kind, stored.Anomalies, stored.Caller));
        Assert.Equal(0, await AlertsAsync());
        Assert.Empty(await AnomalyAuditsAsync());
    }

    public static TheoryData<string> AnomalyKinds => new() { "before-window", "after-window", "after-revocation", "outside-scope" };

    [Theory]
    [MemberData(nameof(AnomalyKinds))]
    public async Task Each_kind_of_anomaly_is_marked_audited_once_and_emailed_to_the_approvers_once(string kind)
    {
        var r = await ApprovedAsync();
        var starts = r.AccessStartsAt!.Value;
        ReportedAccessEvent use;
        switch (kind)
        {
            case "before-window":
                use = Use("e-1", r.Id, starts.AddMinutes(-5));
                break;
            case "after-window":
                _f.Time.SetUtcNow(r.AccessEndsAt!.Value.AddMinutes(30));
                use = Use("e-1", r.Id, r.AccessEndsAt!.Value.AddMinutes(1));
                break;
            case "after-revocation":
                _f.Time.Advance(TimeSpan.FromMinutes(20));
                await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Work is done.")));
                _f.Time.Advance(TimeSpan.FromMinutes(5));
                use = Use("e-1", r.Id, _f.Time.GetUtcNow().AddMinutes(-1));
                break;
            default:
                use = Use("e-1", r.Id, starts.AddMinutes(1), Elsewhere);
                break;
        }

        var receipt = await ReportAsync(Gateway, use);

        Assert.Equal([kind], Assert.Single(receipt.Events).Anomalies);
        Assert.Equal(kind, AccessAnomalies.Code(Assert.Single(await StoredAsync()).Anomalies));
        var audit = Assert.Single(await AnomalyAuditsAsync());
        Assert.Equal(("contoso-gateway", $"access-request/{r.Id}", ContosoTenant), (audit.Actor, audit.Target, audit.TenantId));
        Assert.Contains($"\"{kind}\"", audit.Details);

        await _f.DispatchAsync();
        var alert = Assert.Single(_smtp.Received, m => m.Message.Subject?.StartsWith("Alert:") == true);
        Assert.Equal(["adam.price@contoso.com", "carol.diaz@contoso.com"], alert.EnvelopeTo.Order());
        Assert.Contains(r.TicketNumber, alert.Message.Subject);
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", alert.Message.TextBody);
    }

    [Fact]
    public async Task A_noisy_gateway_gets_one_alert_per_kind_per_hour_while_every_use_is_recorded_and_audited()
    {
        var r = await ApprovedAsync();
        var at = r.AccessStartsAt!.Value.AddMinutes(1);

        await ReportAsync(Gateway, Use("e-1", r.Id, at, Elsewhere), Use("e-2", r.Id, at, Elsewhere + "/x"));
        _f.Time.Advance(TimeSpan.FromMinutes(30));
        await ReportAsync(Gateway, Use("e-3", r.Id, at, Elsewhere));
        Assert.Equal(1, await AlertsAsync());

        // Another kind is news even within the pause.
        await ReportAsync(Gateway, Use("e-4", r.Id, r.AccessStartsAt!.Value.AddMinutes(-1)));
        Assert.Equal(2, await AlertsAsync());

        _f.Time.Advance(TimeSpan.FromMinutes(31));
        await ReportAsync(Gateway, Use("e-5", r.Id, at, Elsewhere));
        Assert.Equal(3, await AlertsAsync());

        Assert.Equal(5, (await StoredAsync()).Count);
        Assert.Equal(5, (await AnomalyAuditsAsync()).Count);
    }

    [Fact]
    public async Task A_retried_batch_is_not_recorded_twice_and_its_receipt_says_so()
    {
        var r = await ApprovedAsync();
        var batch = new[] { Use("e-1", r.Id, r.AccessStartsAt!.Value), Use("e-2", r.Id, r.AccessStartsAt!.Value, Elsewhere) };

        var first = await ReportAsync(Gateway, batch);
        var again = await ReportAsync(Gateway, batch);

        Assert.Equal((2, 0), (first.Recorded, first.Duplicates));
        Assert.Equal((0, 2), (again.Recorded, again.Duplicates));
        Assert.Equal(["outside-scope"], again.Events[1].Anomalies);
        Assert.Equal(2, (await StoredAsync()).Count);
        Assert.Single(await AnomalyAuditsAsync());
        Assert.Equal(1, await AlertsAsync());
    }

    [Fact]
    public async Task Concurrent_identical_batches_record_each_event_once()
    {
        var r = await ApprovedAsync();
        var batch = Enumerable.Range(0, 20).Select(i => Use($"e-{i}", r.Id, r.AccessStartsAt!.Value)).ToArray();

        var receipts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => ReportAsync(Gateway, batch))));

        Assert.Equal(20, receipts.Sum(x => x.Recorded));
        Assert.Equal(60, receipts.Sum(x => x.Duplicates));
        Assert.Equal(20, (await StoredAsync()).Count);
    }

    [Fact]
    public async Task The_same_event_id_from_another_gateway_is_its_own_event()
    {
        var r = await ApprovedAsync();
        var both = new AccessCheckCaller("contoso-second-gateway", [ContosoTenant]);
        await ReportAsync(Gateway, Use("e-1", r.Id, r.AccessStartsAt!.Value));
        var other = await ReportAsync(both, Use("e-1", r.Id, r.AccessStartsAt!.Value));
        Assert.Equal(1, other.Recorded);
        Assert.Equal(2, (await StoredAsync()).Count);
    }

    [Fact]
    public async Task Another_tenants_grant_is_answered_like_an_unknown_one_and_nothing_is_recorded()
    {
        var r = await ApprovedAsync();
        var unknown = Guid.NewGuid();

        var foreign = await Assert.ThrowsAsync<InputValidationException>(() => ReportAsync(FabrikamGateway, Use("e-1", r.Id, r.AccessStartsAt!.Value)));
        var missing = await Assert.ThrowsAsync<InputValidationException>(() => ReportAsync(FabrikamGateway, Use("e-1", unknown, r.AccessStartsAt!.Value)));

        Assert.Equal(["events[0].grantId"], foreign.Errors.Keys);
        Assert.Equal(foreign.Errors["events[0].grantId"][0].Replace(r.Id.ToString(), "ID"), missing.Errors["events[0].grantId"][0].Replace(unknown.ToString(), "ID"));
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    public async Task A_pending_request_has_no_grant_to_report_uses_of()
    {
        var r = await _f.PendingContosoRequestAsync();
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => ReportAsync(Gateway, Use("e-1", r.Id, PortalFixture.Start)));
        Assert.Contains("events[0].grantId", ex.Errors.Keys);
    }

    public static TheoryData<string, string> BadBatches => new()
    {
        { "empty", "events" },
        { "too-many", "events" },
        { "no-event-id", "events[0].eventId" },
        { "duplicate-ids", "events[1].eventId" },
        { "ids-differing-in-case", "events[1].eventId" }, // one id to SQL Server's collation
        { "id-with-spaces", "events[0].eventId" }, // SQL Server's = ignores trailing spaces
        { "resource-too-long", "events[0].resourceId" },
        { "action-too-long", "events[0].action" },
        { "control-characters", "events[0].action" },
        { "no-time", "events[0].occurredAt" },
        { "future", "events[0].occurredAt" },
        { "no-grant", "events[0].grantId" },
        { "unknown-grant", "events[0].grantId" },
        { "null-event", "events[0].eventId" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task A_batch_with_a_bad_event_is_refused_whole_naming_the_field(string kind, string field)
    {
        var r = await ApprovedAsync();
        var now = _f.Time.GetUtcNow();
        var good = Use("good", r.Id, now);
        ReportedAccessEvent?[] batch = kind switch
        {
            "empty" => [],
            "too-many" => Enumerable.Range(0, AccessTrailService.MaxBatch + 1).Select(i => (ReportedAccessEvent?)Use($"e-{i}", r.Id, now)).ToArray(),
            "no-event-id" => [good with { EventId = " " }],
            "duplicate-ids" => [good, good],
            "ids-differing-in-case" => [good, good with { EventId = "GOOD" }],
            "id-with-spaces" => [good with { EventId = "good " }],
            "resource-too-long" => [good with { ResourceId = Scenario.ResourceGroup + "/" + new string('a', AccessEvent.MaxResourceIdLength) }],
            "action-too-long" => [good with { Action = new string('r', AccessEvent.MaxActionLength + 1) }],
            "control-characters" => [good with { Action = "read\u0007" }],
            "no-time" => [good with { OccurredAt = null }],
            "future" => [good with { OccurredAt = now + AccessTrailService.ClockSkew + TimeSpan.FromSeconds(1) }],
            "no-grant" => [good with { GrantId = null }],
            "unknown-grant" => [good with { GrantId = Guid.NewGuid() }],
            _ => [null],
        };
        if (kind is not ("empty" or "too-many")) batch = [.. batch, Use("also-good", r.Id, now)];

        var ex = await Assert.ThrowsAsync<InputValidationException>(() => ReportAsync(Gateway, batch));

        Assert.Contains(field, ex.Errors.Keys);
        Assert.Empty(await StoredAsync());
        Assert.Empty(await AnomalyAuditsAsync());
    }

    [Fact]
    public async Task A_time_within_the_clock_skew_is_accepted()
    {
        var r = await ApprovedAsync();
        var receipt = await ReportAsync(Gateway, Use("e-1", r.Id, _f.Time.GetUtcNow() + AccessTrailService.ClockSkew));
        Assert.Equal(1, receipt.Recorded);
    }

    [Fact]
    public async Task Access_check_answers_join_the_trail_of_the_grant_they_concern()
    {
        var r = await ApprovedAsync();
        Task<AccessCheckResult> CheckAsync(string resource) => _f.As(null, sp => sp.GetRequiredService<GrantService>()
            .CheckAccessAsync(Gateway, new AccessCheckQuery(ContosoTenant, Mia.Email, resource)));

        Assert.True((await CheckAsync(Vm)).Allowed);
        _f.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await CheckAsync(Elsewhere)).Allowed);
        _f.Time.Advance(TimeSpan.FromMinutes(1));
        await _f.Lockbox(Adam, s => s.RevokeAsync(r.Id, new RevokeCommand("Done.")));
        Assert.False((await CheckAsync(Vm)).Allowed);
        // Ravi holds no grant here: his refusal concerns no request's trail.
        await _f.As(null, sp => sp.GetRequiredService<GrantService>().CheckAccessAsync(Gateway, new AccessCheckQuery(ContosoTenant, Ravi.Email, Vm)));

        var stored = await StoredAsync();
        Assert.Equal(3, stored.Count);
        Assert.All(stored, e => Assert.Equal((AccessEventKind.Check, r.Id, AccessAnomaly.None), (e.Kind, e.RequestId, e.Anomalies)));
        Assert.Equal([true, false, false], stored.Select(e => e.Allowed!.Value));
        Assert.Contains("outside the approved scope", stored[1].Reason);
        Assert.Contains("revoked", stored[2].Reason);
    }

    [Fact]
    public async Task The_trail_is_listed_in_time_order_a_page_at_a_time_for_whoever_may_see_the_request()
    {
        var r = await ApprovedAsync();
        var starts = r.AccessStartsAt!.Value;
        _f.Time.Advance(TimeSpan.FromMinutes(10));
        await ReportAsync(Gateway, Enumerable.Range(0, 7).Reverse().Select(i => (ReportedAccessEvent?)Use($"e-{i}", r.Id, starts.AddMinutes(i), i == 3 ? Elsewhere : Vm)).ToArray());

        Task<AccessTrailPage> ListAs(Infrastructure.Demo.DemoPersona who, int skip, int size) =>
            _f.As(who, sp => sp.GetRequiredService<AccessTrailService>().ListAsync(r.Id, skip, size));

        var first = await ListAs(Uma, 0, 5);
        var rest = await ListAs(Mia, 5, 5);
        Assert.Equal((7, 1), (first.TotalCount, first.AnomalyCount));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => starts.AddMinutes(i)), first.Items.Concat(rest.Items).Select(e => e.OccurredAt));
        Assert.Equal([AccessAnomaly.OutsideScope], first.Items[3].Anomalies);

        await Assert.ThrowsAsync<NotFoundException>(() => ListAs(Frank, 0, 5));
        await Assert.ThrowsAsync<NotFoundException>(() => ListAs(Ravi, 0, 5));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.As(null, sp => sp.GetRequiredService<AccessTrailService>().ListAsync(r.Id)));
    }
}
