namespace LockboxPortal.Application.Notifications;

/// <summary>
/// One email ready to leave. <see cref="MessageId"/> is the same on every attempt, so a message resent after a
/// crash between "sent" and "marked sent" is recognisable downstream as the same message.
/// </summary>
public sealed record OutgoingEmail(
    string MessageId,
    IReadOnlyList<string> To,
    string Subject,
    string TextBody,
    string HtmlBody,
    DateTimeOffset Date);

/// <summary>Hands a message to the mail system. Throws when it was not accepted; the dispatcher retries.</summary>
public interface IEmailTransport
{
    /// <summary>A short name for logs and the outbox page, e.g. "smtp mail.contoso.com:587".</summary>
    string Description { get; }

    Task SendAsync(OutgoingEmail email, CancellationToken ct);
}

/// <summary>A transport failure that another attempt cannot fix (e.g. every recipient refused permanently).</summary>
public sealed class PermanentEmailException(string message, Exception? inner = null) : Exception(message, inner);
