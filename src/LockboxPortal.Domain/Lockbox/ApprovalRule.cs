using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Domain.Lockbox;

public enum ApprovalRuleAction
{
    /// <summary>The request is approved at filing, on the record with the rule and its version.</summary>
    ApproveAutomatically = 0,

    /// <summary>The request needs this many distinct approvers.</summary>
    RequireApprovals = 1,
}

/// <summary>
/// One version of a tenant's approval rule. Editing a rule writes a new version (same <see cref="RuleId"/>, next
/// <see cref="Version"/>) and retires the old one, so a request decided by a rule names exactly what it was.
/// A condition left null matches anything; a rule must have at least one.
/// </summary>
public class ApprovalRule
{
    public Guid Id { get; set; }
    public Guid RuleId { get; set; }
    public int Version { get; set; }
    public Guid TenantId { get; set; }
    public required string Name { get; set; }

    /// <summary>Rules are evaluated by ascending position; the first that matches decides.</summary>
    public int Position { get; set; }

    /// <summary>False once a newer version replaced this one or the rule was deleted.</summary>
    public bool IsCurrent { get; set; }

    public string? SupportOrganization { get; set; }
    public string? Product { get; set; }
    public AccessScopeKind? ScopeKind { get; set; }
    public Guid? SubscriptionId { get; set; }
    public int? MaxDurationMinutes { get; set; }

    /// <summary>Days of the week (bit 1 &lt;&lt; DayOfWeek) in the tenant's time zone; null for any day.</summary>
    public int? Weekdays { get; set; }

    /// <summary>Time-of-day window in the tenant's time zone, minutes after midnight, start inclusive, end exclusive.</summary>
    public int? WindowStartMinute { get; set; }
    public int? WindowEndMinute { get; set; }
    public TicketSeverity? Severity { get; set; }
    public JustificationReason? Reason { get; set; }

    public ApprovalRuleAction Action { get; set; }
    public int RequiredApprovals { get; set; } = 1;

    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedByOid { get; set; }
    public required string CreatedByName { get; set; }

    public bool HasCondition => SupportOrganization is not null || Product is not null || ScopeKind is not null || SubscriptionId is not null
        || MaxDurationMinutes is not null || Weekdays is not null || WindowStartMinute is not null || Severity is not null || Reason is not null;

    public static int DayBit(DayOfWeek day) => 1 << (int)day;
}

/// <summary>A subscription of a customer tenant that has its own approvers and, optionally, its own quorum.</summary>
public class TenantSubscription
{
    public Guid TenantId { get; set; }
    public Guid SubscriptionId { get; set; }
    public required string DisplayName { get; set; }

    /// <summary>Approvals a request scoped to this subscription needs; null: the tenant's.</summary>
    public int? RequiredApprovals { get; set; }
}

/// <summary>A customer user assigned by a Global Administrator to decide the requests scoped to one subscription.</summary>
public class SubscriptionApprover
{
    public Guid TenantId { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid ApproverOid { get; set; }
    public required string ApproverName { get; set; }
    public string ApproverEmail { get; set; } = "";
}
