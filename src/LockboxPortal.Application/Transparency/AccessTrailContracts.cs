using LockboxPortal.Domain.Transparency;

namespace LockboxPortal.Application.Transparency;

/// <summary>One use a gateway reports; every field is checked by <see cref="AccessTrailService.ReportAsync"/>.</summary>
public sealed record ReportedAccessEvent(string? EventId, Guid? GrantId, string? ResourceId, string? Action, DateTimeOffset? OccurredAt);

/// <summary>What became of one reported event: recorded now, or already recorded by an earlier call with the same id.</summary>
public sealed record AccessEventReceipt(string EventId, Guid GrantId, bool Duplicate, IReadOnlyList<string> Anomalies);

public sealed record AccessEventsReceipt(int Recorded, int Duplicates, IReadOnlyList<AccessEventReceipt> Events);

/// <summary>One line of "What was accessed" on a request page.</summary>
public sealed record AccessEventDto(
    Guid Id,
    AccessEventKind Kind,
    string Caller,
    string ResourceId,
    string Action,
    DateTimeOffset OccurredAt,
    bool? Allowed,
    string? Reason,
    IReadOnlyList<AccessAnomaly> Anomalies)
{
    public bool IsAnomalous => Anomalies.Count > 0;
}

/// <summary>A page of a request's trail in time order, with how many events and anomalies the whole trail holds.</summary>
public sealed record AccessTrailPage(IReadOnlyList<AccessEventDto> Items, int TotalCount, int AnomalyCount);
