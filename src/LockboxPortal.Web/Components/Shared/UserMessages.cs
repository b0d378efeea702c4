using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Domain.Lockbox;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>Turns a failed service call into words a person can act on — never a stack trace.</summary>
public static class UserMessages
{
    public const string Unexpected = "Something went wrong on our side and nothing was changed. Try again in a moment; if it keeps failing, tell your administrator.";

    public const string FieldsNeedAttention = "Some fields need attention; see the messages by the fields.";

    /// <summary>
    /// The one list of refusals the portal expects and a person can act on — bad input, no permission, gone, changed
    /// meanwhile, a step the request's lifecycle no longer allows, too often, the directory's own refusal, cancelled —
    /// and the words for each. Null for anything else: a bug or an outage is not the user's to fix, so callers let it
    /// reach the page's error boundary, which logs it with an error id.
    /// </summary>
    public static string? Refusal(Exception ex) => ex switch
    {
        InputValidationException => FieldsNeedAttention,
        ForbiddenAccessException or NotFoundException or ConflictException or TooManyRequestsException
            or LifecycleException or ProvisioningException or ConsentRequiredException => ex.Message,
        OperationCanceledException => "The operation was cancelled; nothing was changed.",
        _ => null,
    };

    /// <summary>For a load that must show something either way (a grid): the refusal's words, or <see cref="Unexpected"/>.</summary>
    public static string Describe(Exception ex) => Refusal(ex) ?? Unexpected;

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
