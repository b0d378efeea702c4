using System.Security.Cryptography;
using System.Text;
using LockboxPortal.Application.Notifications;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.Notifications;

/// <summary>The resolved folder the pickup transport writes to and the Development mailbox reads.</summary>
public sealed record PickupFolder(string Path);

/// <summary>
/// The embedded default: writes each message as an .eml file, as an SMTP server's pickup directory would
/// take it. The file name derives from the Message-Id, so sending the same message again replaces the file.
/// </summary>
internal sealed class PickupFolderTransport(PickupFolder folder, IOptionsMonitor<PortalOptions> portal) : IEmailTransport
{
    public string Description => $"pickup {folder.Path}";

    public async Task SendAsync(OutgoingEmail email, CancellationToken ct)
    {
        Directory.CreateDirectory(folder.Path);
        var message = MimeMessages.Create(email, portal.CurrentValue);
        var final = Path.Combine(folder.Path, FileName(email));
        var temp = final + ".tmp";
        await using (var stream = File.Create(temp))
            await message.WriteToAsync(stream, ct);
        // A reader never sees half a message: the file appears complete or not at all.
        File.Move(temp, final, overwrite: true);
    }

    internal static string FileName(OutgoingEmail email)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.MessageId)))[..16];
        return $"{email.Date.UtcDateTime:yyyyMMdd'T'HHmmss}-{hash}.eml";
    }
}
