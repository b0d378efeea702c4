namespace LockboxPortal.Domain.Users;

/// <summary>What the portal saw of a user at their last sign-in; used to find approvers to email.</summary>
public class UserProfile
{
    /// <summary>The user's object id (<c>oid</c>): the stable user key.</summary>
    public Guid Oid { get; set; }
    public Guid TenantId { get; set; }
    public required string DisplayName { get; set; }
    public required string Email { get; set; }
    public bool IsGlobalAdministrator { get; set; }
    public bool IsApprover { get; set; }
    public bool IsEngineer { get; set; }
    public string? SupportOrganization { get; set; }

    /// <summary>App roles seen at the last sign-in, space-separated.</summary>
    public string Roles { get; set; } = "";

    /// <summary>
    /// Whether the user is emailed when access to their environment is requested or decided on a ticket they opened.
    /// On until they turn it off: the opener is the person waiting on the ticket.
    /// </summary>
    public bool OpenerNotifications { get; set; } = true;

    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}
