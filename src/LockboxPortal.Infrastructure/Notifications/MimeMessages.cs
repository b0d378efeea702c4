using System.Text;
using LockboxPortal.Application.Notifications;
using MimeKit;

namespace LockboxPortal.Infrastructure.Notifications;

/// <summary>Builds the MIME message both transports deliver: text and HTML alternatives, the outbox's Message-Id.</summary>
internal static class MimeMessages
{
    public static MimeMessage Create(OutgoingEmail email, PortalOptions portal)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(OneLine(portal.ProductName), portal.MailFrom));
        // Addresses are plain addr-specs validated before they reach here; constructing (not parsing) them
        // means nothing inside one is ever read as a second address or a header.
        foreach (var to in email.To) message.To.Add(new MailboxAddress("", to));
        message.Subject = OneLine(email.Subject);
        message.MessageId = email.MessageId.Trim().TrimStart('<').TrimEnd('>');
        message.Date = email.Date;
        // RFC 3834: tells auto-responders (out-of-office) not to answer a machine.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { TextBody = email.TextBody, HtmlBody = email.HtmlBody }.ToMessageBody();
        return message;
    }

    /// <summary>
    /// Header text is one line whatever it contains: control characters (CR, LF, NUL...) become spaces, so
    /// text a user wrote can never end the header and start another.
    /// </summary>
    public static string OneLine(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text) sb.Append(char.IsControl(c) ? ' ' : c);
        return sb.ToString().Trim();
    }
}
