namespace LockboxPortal.Application.Security;

/// <summary>Claim types as Entra ID issues them (short names, no inbound mapping).</summary>
public static class PortalClaimTypes
{
    public const string TenantId = "tid";
    public const string ObjectId = "oid";
    public const string Name = "name";
    public const string PreferredUsername = "preferred_username";
    public const string Email = "email";
    public const string DirectoryRoles = "wids";
    public const string Roles = "roles";

    /// <summary>The long forms Microsoft.Identity.Web produces when inbound claim mapping is on.</summary>
    public const string TenantIdLong = "http://schemas.microsoft.com/identity/claims/tenantid";
    public const string ObjectIdLong = "http://schemas.microsoft.com/identity/claims/objectidentifier";
}

public static class AppRoles
{
    public const string Approver = "Lockbox.Approver";
    public const string Engineer = "Lockbox.Engineer";

    /// <summary>Application permission a gateway's app registration needs to call the access-check API with a bearer token.</summary>
    public const string AccessCheckRead = "AccessCheck.Read";
}

public static class DirectoryRoles
{
    /// <summary>Role template id of Global Administrator, carried in the <c>wids</c> claim.</summary>
    public const string GlobalAdministrator = "62e90394-69f5-4237-9190-012177145e10";
}

/// <summary>Authorization policy names used by pages (presentation only; services re-check).</summary>
public static class Policies
{
    public const string Customer = "Customer";
    public const string Approver = "Approver";
    public const string GlobalAdministrator = "GlobalAdministrator";
    public const string Engineer = "Engineer";
}
