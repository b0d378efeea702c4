using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Application.Administration;

/// <summary>The tenant-wide policy: approvals a request needs by default, and the time zone rule windows are read in.</summary>
public sealed record TenantPolicyCommand(int RequiredApprovals, string TimeZoneId);

/// <summary>A subscription's approvers and, optionally, its own quorum (null: the tenant's).</summary>
public sealed record SubscriptionPolicyCommand(string SubscriptionId, string DisplayName, int? RequiredApprovals, IReadOnlyList<Guid> ApproverOids);

/// <summary>
/// A rule as the Global Administrator edits it. Null conditions match anything; <see cref="RuleId"/> null adds a rule.
/// <see cref="ExpectedVersion"/> is the version the editor started from: saving over a newer one is a conflict.
/// </summary>
public sealed record ApprovalRuleCommand(
    Guid? RuleId,
    string Name,
    int Position,
    ApprovalRuleAction Action,
    int RequiredApprovals = 1,
    string? SupportOrganization = null,
    string? Product = null,
    AccessScopeKind? ScopeKind = null,
    string? SubscriptionId = null,
    TimeSpan? MaxDuration = null,
    IReadOnlyList<DayOfWeek>? Weekdays = null,
    TimeOnly? WindowStart = null,
    TimeOnly? WindowEnd = null,
    TicketSeverity? Severity = null,
    JustificationReason? Reason = null,
    int? ExpectedVersion = null);

public sealed record ApproverCandidateDto(Guid Oid, string Name, string Email, bool IsTenantApprover);

public sealed record SubscriptionPolicyDto(Guid SubscriptionId, string DisplayName, int? RequiredApprovals, IReadOnlyList<ApproverCandidateDto> Approvers);

public sealed record ApprovalRuleDto(
    Guid Id,
    Guid RuleId,
    int Version,
    string Name,
    int Position,
    string Conditions,
    string Outcome,
    ApprovalRuleCommand Definition,
    string CreatedByName,
    DateTimeOffset CreatedAt);

public sealed record ApprovalPolicySettingsDto(
    string TenantName,
    int RequiredApprovals,
    string TimeZoneId,
    IReadOnlyList<SubscriptionPolicyDto> Subscriptions,
    IReadOnlyList<ApprovalRuleDto> Rules,
    IReadOnlyList<ApproverCandidateDto> Candidates,
    IReadOnlyList<string> SupportOrganizations,
    IReadOnlyList<string> Products);

public sealed record DryRunOutcome(string Outcome, int Count);

public sealed record DryRunExample(Guid RequestId, string TicketNumber, string EngineerName, string SupportOrganization, DateTimeOffset CreatedAt,
    string ReasonName, string WhatHappened, string WouldHappen);

/// <summary>What a rule would have done to the tenant's requests of the last <see cref="Days"/> days, with the rule in its place among the others.</summary>
public sealed record DryRunResult(int Days, int Considered, int MatchedByRule, IReadOnlyList<DryRunOutcome> Outcomes, IReadOnlyList<DryRunExample> Examples);
