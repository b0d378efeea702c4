using LockboxPortal.Application.Common;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>Turns a failed service call into words a person can act on — never a stack trace.</summary>
public static class UserMessages
{
    public const string Unexpected = "Something went wrong on our side and nothing was changed. Try again in a moment; if it keeps failing, tell your administrator.";

    public static string Describe(Exception ex) => ex switch
    {
        InputValidationException => "Some fields need attention; see the messages by the fields.",
        ForbiddenAccessException or NotFoundException or ConflictException => ex.Message,
        OperationCanceledException => "The operation was cancelled; nothing was changed.",
        _ => Unexpected,
    };

    public static bool IsExpected(Exception ex) =>
        ex is InputValidationException or ForbiddenAccessException or NotFoundException or ConflictException or OperationCanceledException;

    /// <summary>The first message for a field, for MudBlazor's ErrorText.</summary>
    public static string? For(this IReadOnlyDictionary<string, string[]>? errors, string field) =>
        errors is not null && errors.TryGetValue(field, out var messages) && messages.Length > 0 ? string.Join(" ", messages) : null;

    /// <summary>Messages for a field and its indexed children (e.g. ResourceIds and ResourceIds[2]).</summary>
    public static string? ForPrefix(this IReadOnlyDictionary<string, string[]>? errors, string field)
    {
        if (errors is null) return null;
        var messages = errors.Where(e => e.Key == field || e.Key.StartsWith(field + "[", StringComparison.Ordinal)).SelectMany(e => e.Value).Distinct().ToList();
        return messages.Count == 0 ? null : string.Join(" ", messages);
    }
}
