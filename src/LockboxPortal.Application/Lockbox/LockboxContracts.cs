using LockboxPortal.Domain.Lockbox;

namespace LockboxPortal.Application.Lockbox;

public sealed record FileAccessRequestCommand(
    string TicketNumber,
    AccessScopeKind ScopeKind,
    string? SubscriptionId,
    IReadOnlyList<string> ResourceIds,
    string Justification,
    TimeSpan? Duration = null,
    JustificationReason Reason = JustificationReason.CustomerInitiatedSupport);

/// <summary>Approve, optionally granting less time than was asked for.</summary>
public sealed record ApproveCommand(TimeSpan? Duration = null, string? Comment = null);

public sealed record DenyCommand(string Reason);

public sealed record RevokeCommand(string Reason);

public enum RequestSort
{
    CreatedAt,
    TicketNumber,
    Engineer,
    Status,
    PendingUntil,
}

/// <summary>
/// One page of the blade. With <see cref="After"/> or <see cref="Before"/> (newest-first order only) the
/// page is found by seeking on (CreatedAt, Id) — constant cost at any depth; otherwise by page index.
/// </summary>
public sealed record RequestListQuery
{
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
    public RequestSort SortBy { get; init; } = RequestSort.CreatedAt;
    public bool Descending { get; init; } = true;
    public AccessRequestStatus? Status { get; init; }
    /// <summary>Matches the start of the ticket number, or part of the engineer's name or email, the justification or a resource id.</summary>
    public string? Search { get; init; }

    /// <summary>Only requests filed by engineers of this support organization (its configured name).</summary>
    public string? SupportOrganization { get; init; }

    /// <summary>Only requests filed with this typed reason.</summary>
    public JustificationReason? Reason { get; init; }
    public Guid? TicketId { get; init; }
    public RequestCursor? After { get; init; }
    public RequestCursor? Before { get; init; }
    public bool IncludeTotal { get; init; } = true;
}

public sealed record RequestCursor(DateTimeOffset CreatedAt, Guid Id);

public sealed record RequestPage(IReadOnlyList<AccessRequestDto> Items, int? TotalCount, RequestCursor? First, RequestCursor? Last);

/// <summary>
/// A request as its caller sees it: <see cref="Status"/> is the effective status at read time, <see cref="Actions"/>
/// what this caller may do to it now, <see cref="NextDeadline"/> when the clock next changes its status.
/// </summary>
public sealed record AccessRequestDto(
    Guid Id,
    Guid TenantId,
    string TenantName,
    Guid TicketId,
    string TicketNumber,
    Guid EngineerOid,
    string EngineerName,
    string EngineerEmail,
    string SupportOrganization,
    AccessScopeKind ScopeKind,
    Guid? SubscriptionId,
    IReadOnlyList<string> ResourceIds,
    string Justification,
    TimeSpan RequestedDuration,
    AccessRequestStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset PendingUntil,
    AccessRequestStatus? Decision,
    bool ApprovedAutomatically,
    string? DecidedByName,
    DateTimeOffset? DecidedAt,
    string? DecisionReason,
    DateTimeOffset? AccessStartsAt,
    DateTimeOffset? AccessEndsAt,
    DateTimeOffset? ClosedAt,
    string? ClosedByName,
    string? ClosedReason,
    DateTimeOffset? NextDeadline,
    IReadOnlySet<RequestAction> Actions,
    bool CanSeeGrant,
    JustificationReason Reason = JustificationReason.CustomerInitiatedSupport,
    int RequiredApprovals = 1,
    int ApprovalCount = 0,
    string? PolicySummary = null)
{
    /// <summary>"1 of 2 approvals" while a request that needs several waits; null when one approval is enough.</summary>
    public string? ApprovalProgress => RequiredApprovals > 1 ? ApprovalQuorum.Progress(Math.Min(ApprovalCount, RequiredApprovals), RequiredApprovals) : null;
    public string ReasonName => Reason.Display();
    public bool Can(RequestAction action) => Actions.Contains(action);
    public string StatusName => Status.Display();
    public bool IsPending => Status == AccessRequestStatus.CustomerNotified;
    public bool IsActive => Status == AccessRequestStatus.Approved;
}

/// <summary>Which policy would apply to a request if it were filed now, in the words the form shows.</summary>
public sealed record PolicyPreview(string Summary, bool ApprovesAutomatically, int RequiredApprovals);
