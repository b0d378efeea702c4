using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Tests.Domain;

/// <summary>The quorum rule, the rule evaluator and who may decide, without a database.</summary>
public sealed class ApprovalPolicyRulesTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero); // a Monday
    private static readonly Guid Contoso = Guid.NewGuid();
    private static readonly Guid Microsoft = Guid.NewGuid();

    private static AccessRequest Pending(int required) => new()
    {
        Id = Guid.NewGuid(), TenantId = Contoso, EngineerOid = Guid.NewGuid(), EngineerTenantId = Microsoft,
        TicketNumber = "2601010010000001", EngineerName = "Mia Chen", EngineerEmail = "mia@example.com", SupportOrganization = "Microsoft",
        Justification = "Investigating the customer's cluster.", Status = AccessRequestStatus.CustomerNotified,
        CreatedAt = T, PendingUntil = T.AddDays(4), RequestedMinutes = 480, RequiredApprovals = required,
    };

    private static RequestFacts Facts(DateTimeOffset at, JustificationReason reason = JustificationReason.CustomerInitiatedSupport, int hours = 8) =>
        new("Microsoft", "Azure Red Hat OpenShift", AccessScopeKind.Subscription, Guid.Empty, TimeSpan.FromHours(hours), at, TicketSeverity.A, reason);

    private static ApprovalRule Rule(int position, ApprovalRuleAction action, int required = 1) => new()
    {
        Id = Guid.NewGuid(), RuleId = Guid.NewGuid(), Version = 1, Name = $"r{position}", Position = position, IsCurrent = true, Action = action,
        RequiredApprovals = required, CreatedByName = "Carol Diaz",
    };

    [Fact]
    public void Approvals_short_of_the_quorum_keep_the_request_waiting_and_the_last_one_approves_it()
    {
        var r = Pending(3);
        Assert.False(r.RecordApproval(Guid.NewGuid(), "Carol", T, TimeSpan.FromHours(8), null));
        Assert.False(r.RecordApproval(Guid.NewGuid(), "Adam", T, TimeSpan.FromHours(8), null));
        Assert.Equal((AccessRequestStatus.CustomerNotified, "2 of 3 approvals"), (r.Status, r.ApprovalProgress));
        Assert.True(r.RecordApproval(Guid.NewGuid(), "Uma", T.AddMinutes(5), TimeSpan.FromHours(8), null));
        Assert.Equal((AccessRequestStatus.Approved, "Uma", T.AddMinutes(5)), (r.Status, r.DecidedByName, r.AccessStartsAt));
        Assert.Throws<LifecycleException>(() => r.RecordApproval(Guid.NewGuid(), "Late", T, TimeSpan.FromHours(8), null));
    }

    [Fact]
    public void An_approval_after_the_pending_deadline_is_refused()
    {
        var r = Pending(2);
        Assert.Throws<LifecycleException>(() => r.RecordApproval(Guid.NewGuid(), "Carol", r.PendingUntil, TimeSpan.FromHours(8), null));
        Assert.Equal(0, r.ApprovalCount);
    }

    [Fact]
    public void Nobody_of_the_engineers_support_organization_may_decide_even_as_a_customer_approver()
    {
        var r = Pending(2);
        var insider = new PortalUser(Guid.NewGuid(), Microsoft, "Insider", "i@example.com", true, false, PortalUserKind.Customer, null, []);
        var sameTenant = insider with { TenantId = Contoso };
        Assert.Contains("support organization", RequestActions.WhyNotAllowed(WithEngineerTenant(r, Contoso), sameTenant, RequestAction.Approve));
        Assert.Contains("support organization", RequestActions.WhyNotAllowed(WithEngineerTenant(r, Contoso), sameTenant, RequestAction.Deny));
        var outsider = sameTenant with { Oid = Guid.NewGuid() };
        Assert.Null(RequestActions.WhyNotAllowed(r, outsider, RequestAction.Approve));
    }

    private static AccessRequest WithEngineerTenant(AccessRequest r, Guid tenant)
    {
        var copy = r.Copy();
        copy.EngineerTenantId = tenant;
        return copy;
    }

    [Fact]
    public void Rules_are_tried_in_order_and_without_a_match_the_subscription_then_the_tenant_quorum_applies()
    {
        var needsTwo = Rule(1, ApprovalRuleAction.RequireApprovals, 2);
        needsTwo.Reason = JustificationReason.LegalOrCompliance;
        var auto = Rule(2, ApprovalRuleAction.ApproveAutomatically);
        auto.MaxDurationMinutes = 240;
        var sub = Guid.NewGuid();
        var policy = new ApprovalPolicy([auto, needsTwo], 1, new Dictionary<Guid, int> { [sub] = 3 }, TimeZoneInfo.Utc);

        Assert.Equal((false, 2), Outcome(policy.Evaluate(Facts(T, JustificationReason.LegalOrCompliance, hours: 2))));
        Assert.Equal((true, 0), Outcome(policy.Evaluate(Facts(T, hours: 4))));
        Assert.Equal((false, 1), Outcome(policy.Evaluate(Facts(T, hours: 5))));
        Assert.Equal((false, 3), Outcome(policy.Evaluate(Facts(T, hours: 5) with { SubscriptionId = sub })));
        Assert.Equal("needs 3 approvals from Contoso (subscription policy)", policy.Evaluate(Facts(T, hours: 5) with { SubscriptionId = sub }).Describe("Contoso"));
    }

    [Fact]
    public void Every_condition_of_a_rule_must_hold()
    {
        var rule = Rule(1, ApprovalRuleAction.ApproveAutomatically);
        (rule.SupportOrganization, rule.Product, rule.ScopeKind, rule.Severity) = ("microsoft", "Azure Red Hat OpenShift", AccessScopeKind.Subscription, TicketSeverity.A);
        var policy = new ApprovalPolicy([rule], 1, new Dictionary<Guid, int>(), TimeZoneInfo.Utc);
        Assert.True(policy.Evaluate(Facts(T)).ApproveAutomatically);
        Assert.False(policy.Evaluate(Facts(T) with { SupportOrganization = "Red Hat" }).ApproveAutomatically);
        Assert.False(policy.Evaluate(Facts(T) with { Product = "Red Hat OpenShift" }).ApproveAutomatically);
        Assert.False(policy.Evaluate(Facts(T) with { ScopeKind = AccessScopeKind.Tenant }).ApproveAutomatically);
        Assert.False(policy.Evaluate(Facts(T) with { Severity = TicketSeverity.C }).ApproveAutomatically);
    }

    private static (bool, int) Outcome(PolicyDecision d) => (d.ApproveAutomatically, d.RequiredApprovals);
}
