namespace LockboxPortal.Infrastructure.Notifications;

/// <summary>How the connection to the relay is secured; maps onto MailKit's SecureSocketOptions.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text. Only for a relay on the same host or a test server.</summary>
    None,

    /// <summary>STARTTLS, required (typical on port 587).</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it, otherwise plain text.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (typical on port 465).</summary>
    SslOnConnect,

    /// <summary>SslOnConnect on port 465, otherwise STARTTLS when available.</summary>
    Auto,
}

/// <summary>
/// The SMTP relay (<c>Email:Smtp</c>). Put the password in the environment (<c>Email__Smtp__Password</c>) or
/// user secrets, never in appsettings.json; it is never logged.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Email:Smtp";

    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Leave empty for a relay that does not authenticate.</summary>
    public string? UserName { get; set; }
    public string? Password { get; set; }

    /// <summary>Connecting, including TLS and the server's greeting.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Authenticating and sending one message.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    public override string ToString() => $"smtp {Host}:{Port} ({Security})";
}
