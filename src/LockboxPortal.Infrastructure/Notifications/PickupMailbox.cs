using System.Text.RegularExpressions;
using LockboxPortal.Application.Notifications;
using MimeKit;

namespace LockboxPortal.Infrastructure.Notifications;

/// <summary>Reads the pickup folder. Ids are file names this class produced; anything else is "not found", never a path.</summary>
internal sealed partial class PickupMailbox(PickupFolder folder) : IDevelopmentMailbox
{
    public async Task<IReadOnlyList<MailboxItem>> ListAsync(int max, CancellationToken ct = default)
    {
        if (!Directory.Exists(folder.Path)) return [];
        var files = new DirectoryInfo(folder.Path).EnumerateFiles("*.eml")
            .OrderByDescending(f => f.Name, StringComparer.Ordinal).Take(Math.Clamp(max, 1, 500)).ToList();
        var items = new List<MailboxItem>(files.Count);
        foreach (var file in files)
        {
            var message = await LoadAsync(file.FullName, ct);
            if (message is not null) items.Add(ToItem(Path.GetFileNameWithoutExtension(file.Name), message));
        }
        return items;
    }

    public async Task<MailboxMessage?> GetAsync(string id, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(id) || !IdPattern().IsMatch(id)) return null;
        var message = await LoadAsync(Path.Combine(folder.Path, id + ".eml"), ct);
        if (message is null) return null;
        return new MailboxMessage(ToItem(id, message), message.MessageId ?? "", message.TextBody, message.HtmlBody,
            message.Headers.Select(h => $"{h.Field}: {h.Value}").ToList());
    }

    private static async Task<MimeMessage?> LoadAsync(string path, CancellationToken ct)
    {
        try
        {
            await using var stream = File.OpenRead(path);
            return await MimeMessage.LoadAsync(stream, ct);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or FormatException or IOException)
        {
            return null;
        }
    }

    private static MailboxItem ToItem(string id, MimeMessage m) => new(
        id, m.Date, m.From.ToString(), m.To.Mailboxes.Select(a => a.Address).ToList(), m.Subject ?? "");

    [GeneratedRegex("^[0-9A-Za-z-]{1,64}$")]
    private static partial Regex IdPattern();
}
