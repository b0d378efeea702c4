using System.Globalization;
using System.Text;
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

    /// <summary>
    /// True when text holds a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069): they
    /// make text display in another order than it reads, so an approver would decide on words nobody wrote.
    /// </summary>
    public static bool HasDirectionOverrides(string? text) =>
        text is not null && text.Any(c => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'));

    /// <summary>True when text holds any invisible formatting character (zero-width space and joiners, BOM, direction marks).</summary>
    public static bool HasInvisibleCharacters(string? text) =>
        text is not null && text.Any(c => char.GetUnicodeCategory(c) == UnicodeCategory.Format);

    /// <summary>
    /// How many characters a reader sees: white space, control and formatting characters (zero-width space,
    /// joiners, direction marks) and the letters that render blank (Hangul fillers, the Braille blank) do not count.
    /// </summary>
    public static int VisibleLength(string? text)
    {
        if (text is null) return 0;
        var count = 0;
        foreach (var rune in text.EnumerateRunes())
            if (IsVisible(rune)) count++;
        return count;
    }

    private static bool IsVisible(Rune rune) =>
        !Rune.IsWhiteSpace(rune)
        && Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.OtherNotAssigned)
        && rune.Value is not (0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0x180E);

    /// <summary>
    /// At least <paramref name="minimum"/> visible characters: six zero-width spaces are not a title, and "     x"
    /// is not ten characters of justification.
    /// </summary>
    public static IRuleBuilderOptions<T, string?> MinimumVisibleLength<T>(this IRuleBuilder<T, string?> rule, int minimum) =>
        rule.Must(t => VisibleLength(t) >= minimum);

    public static IRuleBuilderOptions<T, string?> MultiLineText<T>(this IRuleBuilder<T, string?> rule, string name) =>
        rule.Must(t => !HasForbiddenControlCharacters(t))
            .WithMessage($"{name} contains control characters; remove them and try again.")
            .Must(t => !HasBrokenSurrogates(t))
            .WithMessage($"{name} contains broken characters (half of an emoji or symbol); retype it and try again.")
            .ReadableText(name);

    public static IRuleBuilderOptions<T, string?> SingleLineText<T>(this IRuleBuilder<T, string?> rule, string name) =>
        rule.Must(t => !HasAnyControlCharacter(t))
            .WithMessage($"{name} must be a single line without control characters.")
            .Must(t => !HasBrokenSurrogates(t))
            .WithMessage($"{name} contains broken characters (half of an emoji or symbol); retype it and try again.")
            .ReadableText(name);

    /// <summary>What every free-text field shares: no direction overrides, and not only invisible characters.</summary>
    private static IRuleBuilderOptions<T, string?> ReadableText<T>(this IRuleBuilderOptions<T, string?> rule, string name) =>
        rule.Must(t => !HasDirectionOverrides(t))
            .WithMessage($"{name} contains invisible characters that reverse or reorder how text is shown (U+202A–U+202E, U+2066–U+2069); remove them and try again.")
            .Must(t => string.IsNullOrWhiteSpace(t) || VisibleLength(t) > 0)
            .WithMessage($"{name} has no visible characters, only invisible ones such as zero-width spaces; type it again.");
}
