using System.Net.Mail;

namespace LockboxPortal.Application.Common;

public static class EmailAddresses
{
    public const int MaxLength = 254;

    /// <summary>
    /// A plain addr-spec only: no display names, comments, quotes or line breaks, so an address can
    /// never smuggle a header into a message, and no invisible characters (see <see cref="Validation"/>).
    /// </summary>
    public static bool IsValid(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > MaxLength) return false;
        if (address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or '"' or ',' or ';' or '(' or ')' or '\\')) return false;
        // Zero-width and direction-changing characters would show one address and mail another.
        if (Validation.HasInvisibleCharacters(address)) return false;
        var at = address.IndexOf('@');
        if (at <= 0 || at != address.LastIndexOf('@') || at == address.Length - 1) return false;
        var domain = address[(at + 1)..];
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || domain.Contains("..")) return false;
        return MailAddress.TryCreate(address, out var parsed) && parsed.Address == address;
    }
}
