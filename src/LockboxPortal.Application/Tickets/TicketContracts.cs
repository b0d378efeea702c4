using LockboxPortal.Domain.Tickets;

namespace LockboxPortal.Application.Tickets;

public sealed record OpenTicketCommand(
    string Title,
    string Description,
    TicketSeverity Severity,
    string Product,
    string? ResourceId = null,
    string? SupportOrganization = null);

public sealed record TicketListQuery
{
    public int Page { get; init; }
    public int PageSize { get; init; } = 25;
    public TicketStatus? Status { get; init; }
    public string? Search { get; init; }
}

public sealed record TicketDto(
    Guid Id,
    string Number,
    Guid TenantId,
    string TenantName,
    string Title,
    string Description,
    TicketSeverity Severity,
    string Product,
    string? ResourceId,
    string OpenedByName,
    string AssignedOrganization,
    Guid? AssignedEngineerOid,
    string? AssignedEngineerName,
    TicketStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
