using FluentValidation;

namespace LockboxPortal.Application.Common;

public static class Validation
{
    /// <summary>Runs a validator and turns its failures into an <see cref="InputValidationException"/>.</summary>
    public static async Task ValidateOrThrowAsync<T>(this IValidator<T> validator, T instance, CancellationToken ct)
    {
        var result = await validator.ValidateAsync(instance, ct);
        if (!result.IsValid)
        {
            throw new InputValidationException(result.Errors
                .GroupBy(e => e.PropertyName)
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }
    }

    /// <summary>True when text holds a control character other than tab, CR and LF (which a multi-line field may hold).</summary>
    public static bool HasForbiddenControlCharacters(string? text) =>
        text is not null && text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));

    /// <summary>True when single-line text holds any control character at all.</summary>
    public static bool HasAnyControlCharacter(string? text) => text is not null && text.Any(char.IsControl);

    /// <summary>True when text holds half of a surrogate pair: not a character, and not storable as UTF-8.</summary>
    public static bool HasBrokenSurrogates(string? text)
    {
        if (text is null) return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    public static IRuleBuilderOptions<T, string?> MultiLineText<T>(this IRuleBuilder<T, string?> rule, string name) =>
        rule.Must(t => !HasForbiddenControlCharacters(t))
            .WithMessage($"{name} contains control characters; remove them and try again.")
            .Must(t => !HasBrokenSurrogates(t))
            .WithMessage($"{name} contains broken characters (half of an emoji or symbol); retype it and try again.");

    public static IRuleBuilderOptions<T, string?> SingleLineText<T>(this IRuleBuilder<T, string?> rule, string name) =>
        rule.Must(t => !HasAnyControlCharacter(t))
            .WithMessage($"{name} must be a single line without control characters.")
            .Must(t => !HasBrokenSurrogates(t))
            .WithMessage($"{name} contains broken characters (half of an emoji or symbol); retype it and try again.");
}
