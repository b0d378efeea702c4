using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Domain.Lockbox;

/// <summary>What a rule can test about a request: the request as filed and the ticket it is filed on.</summary>
public sealed record RequestFacts(
    string SupportOrganization,
    string Product,
    AccessScopeKind ScopeKind,
    Guid? SubscriptionId,
    TimeSpan Duration,
    DateTimeOffset At,
    TicketSeverity Severity,
    JustificationReason Reason);

/// <summary>What the policy decided for a request: approve it now (by a rule), or wait for N approvals.</summary>
public sealed record PolicyDecision(bool ApproveAutomatically, int RequiredApprovals, Guid? RuleId, int? RuleVersion, string? RuleName, string Source)
{
    /// <summary>The sentence the filing form and the request show: "needs 2 approvals from Contoso".</summary>
    public string Describe(string tenantName) => ApproveAutomatically
        ? $"will be approved automatically by rule {RuleName} v{RuleVersion}"
        : $"needs {RequiredApprovals} approval{(RequiredApprovals == 1 ? "" : "s")} from {tenantName} ({Source})";
}

/// <summary>
/// A tenant's whole approval policy: its rules in order, its default quorum, the quorum of each subscription that
/// has one, and the time zone its rule windows are read in. <see cref="Evaluate"/> is the one rule engine: filing,
/// the form's preview and the dry run all ask it.
/// </summary>
public sealed class ApprovalPolicy(
    IReadOnlyList<ApprovalRule> rules,
    int tenantRequiredApprovals,
    IReadOnlyDictionary<Guid, int> subscriptionRequiredApprovals,
    TimeZoneInfo timeZone)
{
    public IReadOnlyList<ApprovalRule> Rules { get; } = rules.OrderBy(r => r.Position).ThenBy(r => r.CreatedAt).ToList();
    public TimeZoneInfo TimeZone => timeZone;

    /// <summary>The first matching rule decides; without one, the subscription's quorum, else the tenant's.</summary>
    public PolicyDecision Evaluate(RequestFacts facts)
    {
        foreach (var rule in Rules)
        {
            if (!Matches(rule, facts)) continue;
            return rule.Action == ApprovalRuleAction.ApproveAutomatically
                ? new PolicyDecision(true, 0, rule.RuleId, rule.Version, rule.Name, $"rule {rule.Name} v{rule.Version}")
                : new PolicyDecision(false, rule.RequiredApprovals, rule.RuleId, rule.Version, rule.Name, $"rule {rule.Name} v{rule.Version}");
        }
        if (facts.SubscriptionId is { } sub && subscriptionRequiredApprovals.TryGetValue(sub, out var n))
            return new PolicyDecision(false, n, null, null, null, "subscription policy");
        return new PolicyDecision(false, Math.Max(1, tenantRequiredApprovals), null, null, null, "tenant policy");
    }

    public bool Matches(ApprovalRule rule, RequestFacts f)
    {
        if (rule.SupportOrganization is { } org && !string.Equals(org, f.SupportOrganization, StringComparison.OrdinalIgnoreCase)) return false;
        if (rule.Product is { } product && !string.Equals(product, f.Product, StringComparison.OrdinalIgnoreCase)) return false;
        if (rule.ScopeKind is { } kind && kind != f.ScopeKind) return false;
        if (rule.SubscriptionId is { } sub && sub != f.SubscriptionId) return false;
        if (rule.MaxDurationMinutes is { } max && f.Duration > TimeSpan.FromMinutes(max)) return false;
        if (rule.Severity is { } severity && severity != f.Severity) return false;
        if (rule.Reason is { } reason && reason != f.Reason) return false;
        if (rule.Weekdays is not null || rule.WindowStartMinute is not null)
        {
            var local = TimeZoneInfo.ConvertTime(f.At, timeZone);
            if (rule.Weekdays is { } days && (days & ApprovalRule.DayBit(local.DayOfWeek)) == 0) return false;
            if (rule.WindowStartMinute is { } start && rule.WindowEndMinute is { } end)
            {
                var minute = local.Hour * 60 + local.Minute;
                if (minute < start || minute >= end) return false;
            }
        }
        return true;
    }
}
