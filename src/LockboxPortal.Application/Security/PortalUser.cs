namespace LockboxPortal.Application.Security;

public enum PortalUserKind
{
    /// <summary>A user of a customer tenant.</summary>
    Customer,
    /// <summary>A support engineer: holds Lockbox.Engineer in a support organization's tenant.</summary>
    Engineer,
    /// <summary>Signed in from a support organization's tenant without the engineer role: no access.</summary>
    SupportStaffWithoutRole,
}

/// <summary>The caller, as the one claims mapper reads them from Entra-shaped claims.</summary>
public sealed record PortalUser(
    Guid Oid,
    Guid TenantId,
    string Name,
    string Email,
    bool IsGlobalAdministrator,
    bool HasApproverRole,
    PortalUserKind Kind,
    string? SupportOrganization,
    IReadOnlyList<string> Roles)
{
    /// <summary>
    /// The longest name the portal keeps for a person (every column that stores who did something). Entra ID allows
    /// display names of 256 characters: the claims mapper cuts a longer one to this, so no save fails on it.
    /// </summary>
    public const int NameMaxLength = 200;

    public bool IsCustomer => Kind == PortalUserKind.Customer;
    public bool IsEngineer => Kind == PortalUserKind.Engineer;

    /// <summary>Approvers decide their own tenant's requests: Global Administrators and holders of Lockbox.Approver.</summary>
    public bool IsApprover => IsCustomer && (IsGlobalAdministrator || HasApproverRole);
    public bool IsTenantAdministrator => IsCustomer && IsGlobalAdministrator;

    public string RoleSummary => Kind switch
    {
        PortalUserKind.Engineer => $"Support engineer, {SupportOrganization}",
        PortalUserKind.SupportStaffWithoutRole => $"{SupportOrganization} (no Lockbox role)",
        _ when IsGlobalAdministrator => "Global Administrator",
        _ when HasApproverRole => "Lockbox approver",
        _ => "User",
    };
}
