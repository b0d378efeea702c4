using FluentValidation;
using LockboxPortal.Application.Common;
using LockboxPortal.Domain.Transparency;

namespace LockboxPortal.Application.Transparency;

public sealed record SubmitAttestationCommand(string Account);

public sealed record FlagAttestationCommand(string Note);

/// <summary>
/// A request's account of work as its caller sees it: <see cref="CanSubmit"/> and <see cref="CanReview"/> say what this
/// caller may do with it now (from <see cref="AttestationRules"/>, the one list), so the page shows just that.
/// </summary>
public sealed record AttestationDto(
    Guid RequestId,
    string EngineerName,
    AttestationStatus Status,
    DateTimeOffset AccessEndedAt,
    DateTimeOffset DueAt,
    bool IsOverdue,
    int RemindersSent,
    string? Account,
    DateTimeOffset? SubmittedAt,
    string? ReviewedByName,
    DateTimeOffset? ReviewedAt,
    string? ReviewNote,
    bool CanSubmit,
    bool CanReview);

public sealed class SubmitAttestationValidator : AbstractValidator<SubmitAttestationCommand>
{
    public SubmitAttestationValidator()
    {
        RuleFor(c => c.Account)
            .MinimumVisibleLength(1).WithMessage("Say what you did while you had access: which resources, what you read or changed, and why.")
            .MaximumLength(Attestation.MaxAccountLength).WithMessage($"Keep the account to {Attestation.MaxAccountLength} characters or fewer; link to the ticket for long logs.")
            .MultiLineText("The account");
    }
}

public sealed class FlagAttestationValidator : AbstractValidator<FlagAttestationCommand>
{
    public FlagAttestationValidator()
    {
        RuleFor(c => c.Note)
            .MinimumVisibleLength(1).WithMessage("Say what should be followed up, so the engineer and your colleagues know.")
            .MaximumLength(Attestation.MaxNoteLength).WithMessage($"Keep the note to {Attestation.MaxNoteLength} characters or fewer.")
            .MultiLineText("The note");
    }
}
