namespace LockboxPortal.Application.Common;

/// <summary>The caller is known but may not do this. Nothing was changed.</summary>
public sealed class ForbiddenAccessException(string message) : Exception(message);

/// <summary>No such item for this caller: another tenant's id answers exactly like a missing one.</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The item changed under the caller (a concurrent decision, an edited row). Nothing was changed.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>Input a person can correct: messages keyed by the field they belong to. Nothing was changed.</summary>
public sealed class InputValidationException : Exception
{
    public InputValidationException(IReadOnlyDictionary<string, string[]> errors)
        : base(string.Join(" ", errors.SelectMany(e => e.Value)))
    {
        Errors = errors;
    }

    public InputValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; }
}

/// <summary>The caller is doing this too often; nothing was changed. The message says when to try again.</summary>
public sealed class TooManyRequestsException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
