using System.ComponentModel.DataAnnotations;

namespace LockboxPortal.Application.ServicePrincipals;

public enum DirectoryProvisionerKind
{
    /// <summary>The portal's own database acts as the directory (the embedded default).</summary>
    Local,
    /// <summary>Microsoft Graph and Azure Resource Manager of the caller's tenant.</summary>
    Azure,
}

/// <summary>The <c>ServicePrincipals</c> section: which directory, and the credential lifetime policy.</summary>
public sealed class ServicePrincipalOptions
{
    public const string Section = "ServicePrincipals";

    public DirectoryProvisionerKind Provisioner { get; set; } = DirectoryProvisionerKind.Local;

    /// <summary>The product's default: service principals expire in one year unless configured longer.</summary>
    [Range(1, 100)]
    public int DefaultLifetimeYears { get; set; } = 1;

    /// <summary>The longest lifetime a person may choose (years, or an end date at most this far out).</summary>
    [Range(1, 100)]
    public int MaxLifetimeYears { get; set; } = 2;

    /// <summary>The list warns this many days before a credential ends.</summary>
    [Range(1, 365)]
    public int ExpiryWarningDays { get; set; } = 30;
}
