namespace LockboxPortal.Domain.Tickets;

public enum TicketSeverity
{
    /// <summary>Critical impact: business stopped.</summary>
    A = 0,
    /// <summary>Moderate impact.</summary>
    B = 1,
    /// <summary>Minimal impact.</summary>
    C = 2,
}

public enum TicketStatus
{
    Open = 0,
    InProgress = 1,
    Resolved = 2,
    Closed = 3,
}

/// <summary>A customer's support ticket, assigned to an engineer of a support organization.</summary>
public class SupportTicket
{
    public Guid Id { get; set; }

    /// <summary>Sixteen digits: yyMMdd followed by ten digits, e.g. 2311280010001234.</summary>
    public required string Number { get; set; }
    public Guid TenantId { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    public TicketSeverity Severity { get; set; }
    public required string Product { get; set; }
    public string? ResourceId { get; set; }
    public Guid OpenedByOid { get; set; }
    public required string OpenedByName { get; set; }
    public required string AssignedOrganization { get; set; }
    public Guid? AssignedEngineerOid { get; set; }
    public string? AssignedEngineerName { get; set; }
    public TicketStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid Version { get; set; } = Guid.NewGuid();

    public static bool IsWellFormedNumber(string? number) =>
        number is { Length: 16 } && number.All(char.IsAsciiDigit);
}
