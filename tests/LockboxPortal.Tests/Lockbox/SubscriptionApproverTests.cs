using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Audit;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Lockbox;

/// <summary>§2: approvers per subscription decide and are emailed for its requests; tenant approvers are the fallback.</summary>
public sealed class SubscriptionApproverTests : IAsyncLifetime
{
    private const string Other = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
    private readonly PortalFixture _f = new();

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        await Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand(Scenario.Subscription, "Production", null, [Uma.Oid])));
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Policies<T>(Func<ApprovalPolicyService, Task<T>> call) =>
        _f.As(Carol, sp => call(sp.GetRequiredService<ApprovalPolicyService>()));

    private async Task<AccessRequestDto> FileAsync(AccessScopeKind scope, string? subscription)
    {
        var ticket = await _f.OpenTicketAsync(Uma);
        var resources = subscription is null ? Array.Empty<string>() : [$"/subscriptions/{subscription}/resourceGroups/rg"];
        return await _f.FileAsync(Mia, new FileAccessRequestCommand(ticket.Number, scope, subscription, resources, "Read the API server logs for the outage."));
    }

    private Task<string> RecipientsAsync(Guid id) =>
        _f.Db(db => db.OutboxMessages.Where(m => m.AccessRequestId == id && m.Kind == OutboxKinds.RequestFiled).Select(m => m.To).SingleAsync());

    [Fact]
    public async Task A_subscriptions_approver_is_emailed_and_decides_its_requests()
    {
        var r = await FileAsync(AccessScopeKind.Subscription, Scenario.Subscription);

        Assert.Equal("uma.reyes@contoso.com", await RecipientsAsync(r.Id));
        var seen = await _f.Read(Uma, r.Id);
        Assert.True(seen.Can(RequestAction.Approve));
        var approved = await _f.Lockbox(Uma, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.Equal((AccessRequestStatus.Approved, "Uma Reyes"), (approved.Status, approved.DecidedByName));
    }

    [Fact]
    public async Task A_subscriptions_approver_cannot_decide_requests_of_other_subscriptions_or_the_whole_tenant()
    {
        var other = await FileAsync(AccessScopeKind.Subscription, Other);
        var tenantWide = await FileAsync(AccessScopeKind.Tenant, null);

        foreach (var r in new[] { other, tenantWide })
        {
            Assert.False((await _f.Read(Uma, r.Id)).Can(RequestAction.Approve));
            var ex = await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(Uma, s => s.ApproveAsync(r.Id, new ApproveCommand())));
            Assert.Contains("approver of the request's subscription", ex.Message);
            await Assert.ThrowsAsync<ForbiddenAccessException>(() => _f.Lockbox(Uma, s => s.DenyAsync(r.Id, new DenyCommand("no"))));
            Assert.Equal(AccessRequestStatus.CustomerNotified, await _f.Db(db => db.AccessRequests.Where(x => x.Id == r.Id).Select(x => x.Status).SingleAsync()));
        }
    }

    [Fact]
    public async Task Without_subscription_approvers_the_tenants_approvers_are_emailed()
    {
        var other = await FileAsync(AccessScopeKind.Subscription, Other);
        var tenantWide = await FileAsync(AccessScopeKind.Tenant, null);
        Assert.Equal("adam.price@contoso.com;carol.diaz@contoso.com", string.Join(';', (await RecipientsAsync(other.Id)).Split(',', ';').Select(s => s.Trim()).Order()));
        Assert.Equal(await RecipientsAsync(other.Id), await RecipientsAsync(tenantWide.Id));
    }

    [Fact]
    public async Task A_subscription_can_require_more_approvals_than_the_tenant()
    {
        await Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand(Scenario.Subscription, "Production", 2, [Uma.Oid])));

        var r = await FileAsync(AccessScopeKind.Subscription, Scenario.Subscription);
        Assert.Equal("needs 2 approvals from Contoso (subscription policy)", r.PolicySummary);
        var first = await _f.Lockbox(Uma, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        Assert.Equal("1 of 2 approvals", first.ApprovalProgress);
        Assert.Equal(AccessRequestStatus.Approved, (await _f.Lockbox(Carol, s => s.ApproveAsync(r.Id, new ApproveCommand()))).Status);
    }

    [Fact]
    public async Task Bad_subscription_settings_are_refused_and_change_nothing()
    {
        var before = await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.SubscriptionApproversChanged));
        var notGuid = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand("prod", "Production", null, [Uma.Oid]))));
        Assert.Contains("subscription id", notGuid.Message);
        var stranger = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand(Other, "Test", null, [Fiona.Oid]))));
        Assert.Contains("user of your tenant", stranger.Message);
        var nobody = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand(Other, "Test", null, []))));
        Assert.Contains("at least one approver", nobody.Message);
        var tooMany = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.SaveSubscriptionAsync(new SubscriptionPolicyCommand(Other, "Test", 4, [Uma.Oid]))));
        Assert.Contains("Only 3 people", tooMany.Message);

        Assert.Equal(before, await _f.Db(db => db.AuditEntries.CountAsync(e => e.Action == AuditActions.SubscriptionApproversChanged)));
        Assert.Equal(1, await _f.Db(db => db.TenantSubscriptions.CountAsync()));
    }

    [Fact]
    public async Task Removing_a_subscription_a_rule_tests_is_refused_until_the_rule_is_gone()
    {
        var rule = await Policies(s => s.SaveRuleAsync(new ApprovalRuleCommand(null, "Prod", 1, ApprovalRuleAction.RequireApprovals, 2, SubscriptionId: Scenario.Subscription)));
        var refused = await Assert.ThrowsAsync<InputValidationException>(() => Policies(s => s.RemoveSubscriptionAsync(Guid.Parse(Scenario.Subscription))));
        Assert.Contains("Rule Prod tests this subscription", refused.Message);

        await _f.As(Carol, sp => sp.GetRequiredService<ApprovalPolicyService>().DeleteRuleAsync(rule.RuleId));
        var settings = await Policies(s => s.RemoveSubscriptionAsync(Guid.Parse(Scenario.Subscription)));
        Assert.Empty(settings.Subscriptions);
        Assert.Equal(0, await _f.Db(db => db.SubscriptionApprovers.CountAsync()));
    }
}
