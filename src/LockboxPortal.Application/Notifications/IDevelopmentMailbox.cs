namespace LockboxPortal.Application.Notifications;

public sealed record MailboxItem(string Id, DateTimeOffset Date, string From, IReadOnlyList<string> To, string Subject);

public sealed record MailboxMessage(MailboxItem Item, string MessageId, string? TextBody, string? HtmlBody, IReadOnlyList<string> Headers);

/// <summary>
/// The messages the pickup transport wrote, for the Development Mailbox page: a demo shows the email an
/// approver received without a mail server. Not available outside Development.
/// </summary>
public interface IDevelopmentMailbox
{
    Task<IReadOnlyList<MailboxItem>> ListAsync(int max, CancellationToken ct = default);

    /// <summary>Null when there is no such message (or the id is not one this mailbox hands out).</summary>
    Task<MailboxMessage?> GetAsync(string id, CancellationToken ct = default);
}
