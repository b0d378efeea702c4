namespace LockboxPortal.Application.Notifications;

public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>
    /// Absolute base address used in links inside emails, e.g. https://lockbox.contoso.com. Required outside
    /// Development; there, when empty, the Web host fills in the address it listens on.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>From address of notification emails.</summary>
    public string MailFrom { get; set; } = "lockbox@localhost";

    public string ProductName { get; set; } = "Lockbox Portal";
}
