using LockboxPortal.Application.Notifications;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Notifications;

/// <summary>
/// Delivers through an SMTP relay with MailKit. Every step is bounded by a timeout, so a server that
/// refuses, drops or hangs costs the dispatcher one attempt and never blocks anyone's action.
/// </summary>
internal sealed class SmtpEmailTransport(IOptionsMonitor<SmtpOptions> smtp, IOptionsMonitor<PortalOptions> portal) : IEmailTransport
{
    public string Description => smtp.CurrentValue.ToString();

    public async Task SendAsync(OutgoingEmail email, CancellationToken ct)
    {
        var o = smtp.CurrentValue;
        var message = MimeMessages.Create(email, portal.CurrentValue);

        using var client = new SmtpClient();
        client.Timeout = (int)Math.Min(int.MaxValue, o.SendTimeout.TotalMilliseconds);
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                connect.CancelAfter(o.ConnectTimeout);
                await client.ConnectAsync(o.Host, o.Port, Map(o.Security, o.Port), connect.Token);
            }

            using var send = CancellationTokenSource.CreateLinkedTokenSource(ct);
            send.CancelAfter(o.SendTimeout);
            if (!string.IsNullOrEmpty(o.UserName))
                await client.AuthenticateAsync(o.UserName, o.Password ?? "", send.Token);
            await client.SendAsync(message, send.Token);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500 && ex.ErrorCode is
            SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.SenderNotAccepted or SmtpErrorCode.MessageNotAccepted)
        {
            // A 5xx for the message itself will be refused again; retrying only delays the administrator seeing it.
            throw new PermanentEmailException($"The mail server refused the message ({(int)ex.StatusCode} {ex.ErrorCode}): {ex.Message}", ex);
        }

        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or ProtocolException or SmtpCommandException or OperationCanceledException)
        {
            // The server has accepted the message; a rude goodbye does not make it undelivered.
        }
    }

    private static SecureSocketOptions Map(SmtpSecurity security, int port) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable,
    };
}
