namespace LockboxPortal.Application.Notifications;

public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>Absolute base address used in links inside emails, e.g. https://lockbox.contoso.com.</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>From address of notification emails.</summary>
    public string MailFrom { get; set; } = "lockbox@localhost";

    public string ProductName { get; set; } = "Lockbox Portal";
}
