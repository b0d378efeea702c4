using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>§3–§6: rules evaluated at filing in order, versioned and audited; the dry run and the form's preview ask the same evaluator; typed reasons.</summary>
public sealed class ApprovalRuleTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Policies<T>(Func<ApprovalPolicyService, Task<T>> call) =>
        _f.As(Carol, sp => call(sp.GetRequiredService<ApprovalPolicyService>()));

    private static ApprovalRuleCommand AutoApproveIncidents(string name = "Sev A incidents") =>
        new(null, name, 10, ApprovalRuleAction.ApproveAutomatically, Severity: TicketSeverity.A, Reason: JustificationReason.Incident);

    private async Task<AccessRequestDto> FileAsync(JustificationReason reason, TimeSpan? duration = null)
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        return await _f.FileAsync(Mia, Scenario.Request(ticket.Number, duration) with { Reason = reason });
    }

    [Fact]
    public async Task A_matching_auto_approval_rule_approves_at_filing_and_names_the_rule_and_its_version()
    {
        var rule = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));

        var r = await FileAsync(JustificationReason.Incident);

        Assert.Equal(AccessRequestStatus.Approved, r.Status);
        Assert.True(r.ApprovedAutomatically);
        Assert.Equal("Approved by rule Sev A incidents v1", r.DecisionReason);
        Assert.Equal(JustificationReason.Incident, r.Reason);
        var stored = await _f.Db(db => db.AccessRequests.SingleAsync(x => x.Id == r.Id));
        Assert.Equal((rule.RuleId, 1), (stored.PolicyRuleId, stored.PolicyRuleVersion));
        var entry = await _f.Db(db => db.AuditEntries.SingleAsync(e => e.Target == $"access-request/{r.Id}" && e.Action == AuditActions.RequestAutoApproved));
        Assert.Contains(rule.RuleId.ToString(), entry.Details);
        Assert.Contains("\"ruleVersion\":1", entry.Details);
        Assert.Equal(1, await _f.Db(db => db.AccessGrants.CountAsync(g => g.RequestId == r.Id)));

        var other = await FileAsync(JustificationReason.CustomerInitiatedSupport);
        Assert.Equal(AccessRequestStatus.CustomerNotified, other.Status);
    }

    [Fact]
    public async Task Editing_a_rule_writes_a_new_version_and_later_requests_name_it()
    {
        var v1 = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));
        var v2 = await Policies(s => s.SaveRuleAsync(v1.Definition with { Name = "Incidents", MaxDuration = TimeSpan.FromHours(4) }));

        Assert.Equal((v1.RuleId, 2), (v2.RuleId, v2.Version));
        var versions = await _f.Db(db => db.ApprovalRules.Where(r => r.RuleId == v1.RuleId).OrderBy(r => r.Version).Select(r => new { r.Version, r.IsCurrent }).ToListAsync());
        Assert.Equal([(1, false), (2, true)], versions.Select(v => (v.Version, v.IsCurrent)));
        Assert.Equal(2, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.ApprovalRuleSaved && e.Target == $"approval-rule/{v1.RuleId}")));

        var tooLong = await FileAsync(JustificationReason.Incident);
        Assert.Equal(AccessRequestStatus.CustomerNotified, tooLong.Status);
        var short4 = await FileAsync(JustificationReason.Incident, TimeSpan.FromHours(4));
        Assert.Equal("Approved by rule Incidents v2", short4.DecisionReason);
    }

    [Fact]
    public async Task Saving_over_a_version_someone_else_replaced_is_a_conflict_that_names_them()
    {
        var v1 = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));
        await Policies(s => s.SaveRuleAsync(v1.Definition with { Position = 20 }));

        var stale = await Assert.ThrowsAsync<ConflictException>(() => Policies(s => s.SaveRuleAsync(v1.Definition with { Position = 30 })));

        Assert.Contains("saved rule Sev A incidents as v2 since you opened v1", stale.Message);
        Assert.Equal(2, await _f.Db(db => db.ApprovalRules.CountAsync(r => r.RuleId == v1.RuleId)));
    }

    [Fact]
    public async Task Two_edits_of_one_rule_at_the_same_moment_make_exactly_one_new_version()
    {
        for (var round = 0; round < 3; round++)
        {
            var v1 = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents($"Rule {round}")));
            using var go = new ManualResetEventSlim();
            var edits = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
            {
                go.Wait();
                try { await Policies(s => s.SaveRuleAsync(v1.Definition with { Position = 100 + i })); return (Exception?)null; }
                catch (Exception ex) { return ex; }
            })).ToList();
            go.Set();
            var errors = await Task.WhenAll(edits);

            var loser = Assert.Single(errors, e => e is not null);
            Assert.IsType<ConflictException>(loser);
            var versions = await _f.Db(db => db.ApprovalRules.Where(r => r.RuleId == v1.RuleId).OrderBy(r => r.Version).Select(r => new { r.Version, r.IsCurrent }).ToListAsync());
            Assert.Equal([(1, false), (2, true)], versions.Select(v => (v.Version, v.IsCurrent)));
        }
    }

    [Fact]
    public async Task Rules_are_evaluated_in_their_order_and_the_first_match_wins()
    {
        await Policies(s => s.SaveRuleAsync(new ApprovalRuleCommand(null, "Microsoft needs two", 1, ApprovalRuleAction.RequireApprovals, 2, SupportOrganization: "Microsoft")));
        await Policies(s => s.SaveRuleAsync(AutoApproveIncidents() with { Position = 2 }));

        var r = await FileAsync(JustificationReason.Incident);
        Assert.Equal(AccessRequestStatus.CustomerNotified, r.Status);
        Assert.Equal(2, r.RequiredApprovals);
        Assert.Equal("needs 2 approvals from Contoso (rule Microsoft needs two v1)", r.PolicySummary);

        var first = (await Policies(s => s.GetAsync())).Rules.Single(x => x.Name == "Microsoft needs two");
        await Policies(s => s.SaveRuleAsync(first.Definition with { Position = 3 }));
        Assert.Equal(AccessRequestStatus.Approved, (await FileAsync(JustificationReason.Incident)).Status);
    }

    [Fact]
    public async Task A_time_window_is_read_in_the_tenants_time_zone_on_the_chosen_weekdays()
    {
        await Policies(s => s.SetTenantPolicyAsync(new TenantPolicyCommand(1, "Europe/Berlin")));
        await Policies(s => s.SaveRuleAsync(new ApprovalRuleCommand(null, "Office hours", 1, ApprovalRuleAction.ApproveAutomatically,
            Weekdays: [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday],
            WindowStart: new TimeOnly(8, 0), WindowEnd: new TimeOnly(18, 0))));

        // Saturday 28 November, 10:00 in Berlin: outside the weekdays.
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await FileAsync(JustificationReason.CustomerInitiatedSupport)).Status);
        // Monday 30 November, 07:30 UTC is 08:30 in Berlin: inside (it would be outside read in UTC).
        _f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 30, 7, 30, 0, TimeSpan.Zero));
        Assert.Equal(AccessRequestStatus.Approved, (await FileAsync(JustificationReason.CustomerInitiatedSupport)).Status);
        // 17:00 UTC is 18:00 in Berlin: the end is exclusive.
        _f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 30, 17, 0, 0, TimeSpan.Zero));
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await FileAsync(JustificationReason.CustomerInitiatedSupport)).Status);
    }

    public static TheoryData<string, ApprovalRuleCommand, string> BadRules() => new()
    {
        { "Conditions", new ApprovalRuleCommand(null, "Everything", 1, ApprovalRuleAction.ApproveAutomatically), "at least one condition" },
        { "RequiredApprovals", new ApprovalRuleCommand(null, "Three", 1, ApprovalRuleAction.RequireApprovals, 3, Reason: JustificationReason.Incident), "Only 2 people could approve" },
        { "RequiredApprovals", new ApprovalRuleCommand(null, "None", 1, ApprovalRuleAction.RequireApprovals, 0, Reason: JustificationReason.Incident), "between 1 and" },
        { "SubscriptionId", new ApprovalRuleCommand(null, "Unknown", 1, ApprovalRuleAction.ApproveAutomatically, SubscriptionId: "11111111-2222-3333-4444-555555555555"), "is not one of your tenant's subscriptions" },
        { "WindowEnd", new ApprovalRuleCommand(null, "Backwards", 1, ApprovalRuleAction.ApproveAutomatically, WindowStart: new TimeOnly(18, 0), WindowEnd: new TimeOnly(8, 0)), "must end after it starts" },
        { "WindowEnd", new ApprovalRuleCommand(null, "Half", 1, ApprovalRuleAction.ApproveAutomatically, WindowStart: new TimeOnly(8, 0)), "both a start and an end" },
        { "Weekdays", new ApprovalRuleCommand(null, "No days", 1, ApprovalRuleAction.ApproveAutomatically, Weekdays: []), "at least one weekday" },
        { "SupportOrganization", new ApprovalRuleCommand(null, "Who", 1, ApprovalRuleAction.ApproveAutomatically, SupportOrganization: "Initech"), "Microsoft, Red Hat" },
        { "Name", new ApprovalRuleCommand(null, "  ", 1, ApprovalRuleAction.ApproveAutomatically, Reason: JustificationReason.Incident), "name of 1 to 100" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task A_bad_rule_is_refused_with_a_message_on_its_field_and_nothing_is_saved(string field, ApprovalRuleCommand cmd, string message)
    {
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());

        var save = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SaveRuleAsync(cmd)));
        var dryRun = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.DryRunAsync(cmd)));

        Assert.Contains(message, string.Join(" ", save.Errors[field]));
        Assert.Equal(save.Message, dryRun.Message);
        Assert.Equal(0, await _f.Db(db => db.ApprovalRules.CountAsync()));
        Assert.Equal(auditBefore, await _f.Db(db => db.AuditEntries.CountAsync()));
    }

    [Fact]
    public async Task A_tenant_policy_needing_more_approvers_than_the_tenant_has_is_refused()
    {
        var tooMany = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SetTenantPolicyAsync(new TenantPolicyCommand(3, "UTC"))));
        Assert.Contains("Only 2 people", tooMany.Message);
        var zone = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SetTenantPolicyAsync(new TenantPolicyCommand(2, "Mars/Olympus"))));
        Assert.Contains("not a time zone", zone.Message);
        var none = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SetTenantPolicyAsync(new TenantPolicyCommand(0, "UTC"))));
        Assert.Contains("between 1 and", none.Message);
        Assert.Equal(1, await _f.Db(db => db.Tenants.Where(t => t.Id == ContosoTenant).Select(t => t.RequiredApprovals).SingleAsync()));
        Assert.Equal(0, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.ApprovalPolicyChanged)));
    }

    [Fact]
    public async Task A_deleted_rule_no_longer_decides_and_its_deletion_is_audited()
    {
        var rule = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));
        await _f.As(Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().DeleteRuleAsync(rule.RuleId));
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await FileAsync(JustificationReason.Incident)).Status);
        Assert.Equal(1, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.ApprovalRuleDeleted)));
        await Assert.ThrowsAsync<NotFoundException>(() => _f.As(Frank, sp => sp.GetRequiredService<ApprovalPolicyService>().DeleteRuleAsync(rule.RuleId)));
    }

    [Fact]
    public async Task The_dry_run_shows_what_the_rule_would_have_done_to_the_last_thirty_days_and_saves_nothing()
    {
        var old = await FileAsync(JustificationReason.Incident);
        _f.Time.Advance(TimeSpan.FromDays(31));
        var incident1 = await FileAsync(JustificationReason.Incident);
        _f.Time.Advance(TimeSpan.FromMinutes(1));
        var incident2 = await FileAsync(JustificationReason.Incident);
        await FileAsync(JustificationReason.LegalOrCompliance);
        await _f.Lockbox(Carol, s => s.DenyAsync(incident1.Id, new DenyCommand("Use the runbook.")));
        var auditBefore = await _f.Db(db => db.AuditEntries.CountAsync());

        var result = await Policies(s => s.DryRunAsync(AutoApproveIncidents()));

        Assert.Equal((30, 3, 2), (result.Days, result.Considered, result.MatchedByRule));
        Assert.Equal([("By this rule: approved automatically", 2), ("needs 1 approval (tenant policy)", 1)], result.Outcomes.Select(o => (o.Outcome, o.Count)));
        Assert.Equal([incident2.Id, incident1.Id], result.Examples.Select(e => e.RequestId));
        Assert.Equal("denied by Carol Diaz", result.Examples[1].WhatHappened);
        Assert.Equal("will be approved automatically by rule Sev A incidents v1", result.Examples[0].WouldHappen);
        Assert.DoesNotContain(result.Examples, e => e.RequestId == old.Id);
        Assert.Equal(0, await _f.Db(db => db.ApprovalRules.CountAsync()));
        Assert.Equal(auditBefore, await _f.Db(db => db.AuditEntries.CountAsync()));
    }

    [Fact]
    public async Task The_dry_run_of_an_edit_replaces_the_rules_current_version_in_its_place()
    {
        var rule = await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));
        await FileAsync(JustificationReason.Incident);

        var result = await Policies(s => s.DryRunAsync(rule.Definition with { Action = ApprovalRuleAction.RequireApprovals, RequiredApprovals = 2 }));

        Assert.Equal([("By this rule: needs 2 approvals", 1)], result.Outcomes.Select(o => (o.Outcome, o.Count)));
        Assert.Equal("needs 2 approvals from Contoso (rule Sev A incidents v2)", result.Examples.Single().WouldHappen);
    }

    [Fact]
    public async Task Before_filing_the_engineer_sees_the_policy_that_applies_from_the_same_evaluator()
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        var cmd = Scenario.Request(ticket.Number);
        Task<PolicyPreview> Preview(FileAccessRequestCommand c) => _f.As(Mia, sp => sp.GetRequiredService<LockboxQueries>().PreviewPolicyAsync(c));

        Assert.Equal("needs 1 approval from Contoso (tenant policy)", (await Preview(cmd)).Summary);
        await Policies(s => s.SetTenantPolicyAsync(new TenantPolicyCommand(2, "UTC")));
        Assert.Equal("needs 2 approvals from Contoso (tenant policy)", (await Preview(cmd)).Summary);
        await Policies(s => s.SaveRuleAsync(AutoApproveIncidents()));
        var auto = await Preview(cmd with { Reason = JustificationReason.Incident });
        Assert.True(auto.ApprovesAutomatically);
        Assert.Equal("will be approved automatically by rule Sev A incidents v1", auto.Summary);

        var filed = await _f.FileAsync(Mia, cmd with { Reason = JustificationReason.Incident });
        Assert.Equal(AccessRequestStatus.Approved, filed.Status);
        await Assert.ThrowsAsync<NotFoundException>(() => _f.As(Ravi, sp => sp.GetRequiredService<LockboxQueries>().PreviewPolicyAsync(cmd)));
    }

    [Fact]
    public async Task The_blade_filters_by_justification_reason_and_an_undefined_reason_is_refused_at_filing()
    {
        var incident = await FileAsync(JustificationReason.Incident);
        await FileAsync(JustificationReason.LegalOrCompliance);

        var page = await _f.As(Carol, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery { Reason = JustificationReason.Incident }));
        Assert.Equal([incident.Id], page.Items.Select(i => i.Id));
        Assert.Equal("Incident", page.Items[0].ReasonName);

        var ticket = await _f.OpenTicketAsync(Uma);
        var bad = await Assert.ThrowsAsync<InputValidationException>(() => _f.FileAsync(Mia, Scenario.Request(ticket.Number) with { Reason = (JustificationReason)42 }));
        Assert.Contains("Choose why you need access", bad.Message);
    }
}
