using System.Text.RegularExpressions;
using FluentValidation;
using LockboxPortal.Application.Common;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Lockbox;

public sealed partial class FileAccessRequestValidator : AbstractValidator<FileAccessRequestCommand>
{
    public const int MaxResourceIds = 20;
    public const int MaxResourceIdLength = 1024;

    public FileAccessRequestValidator(IOptionsMonitor<LockboxOptions> options)
    {
        RuleFor(c => c.TicketNumber)
            .Must(SupportTicket.IsWellFormedNumber)
            .WithMessage("Enter the 16-digit support ticket number, e.g. 2311280010001234.");

        RuleFor(c => c.ScopeKind).IsInEnum().WithMessage("Choose the tenant or a subscription as the scope.");

        RuleFor(c => c.SubscriptionId)
            .Must(s => Guid.TryParse(s, out _))
            .When(c => c.ScopeKind == AccessScopeKind.Subscription)
            .WithMessage("Enter the subscription id (a GUID such as 00000000-0000-0000-0000-000000000000).");
        RuleFor(c => c.SubscriptionId)
            .Empty()
            .When(c => c.ScopeKind == AccessScopeKind.Tenant)
            .WithMessage("A tenant-wide request has no subscription id; choose the Subscription scope or clear the field.");

        RuleFor(c => c.ResourceIds)
            .NotNull().WithMessage("Resource ids are required (an empty list means the whole scope).")
            .Must(ids => ids is null || ids.Count <= MaxResourceIds)
            .WithMessage($"List at most {MaxResourceIds} resource ids.");
        RuleForEach(c => c.ResourceIds)
            .Must(id => id is not null && id.Length <= MaxResourceIdLength && IsResourceId(id))
            .WithMessage((_, id) => $"'{Shorten(id)}' is not an Azure resource id; use the form /subscriptions/{{id}}/resourceGroups/{{name}}[/providers/...].");
        RuleForEach(c => c.ResourceIds)
            .Must((c, id) => id is null || !Guid.TryParse(c.SubscriptionId, out var sub) || IsUnder(id, sub))
            .When(c => c.ScopeKind == AccessScopeKind.Subscription)
            .WithMessage((_, id) => $"'{Shorten(id)}' is outside the requested subscription.");

        RuleFor(c => c.Justification)
            .MinimumVisibleLength(10)
            .WithMessage("Explain why you need access in at least 10 characters.")
            .MaximumLength(2000).WithMessage("Keep the justification to 2000 characters or fewer.")
            .MultiLineText("The justification");

        RuleFor(c => c.Reason).IsInEnum()
            .WithMessage("Choose why you need access: customer-initiated support, engineer-initiated investigation, incident, or legal or compliance.");

        RuleFor(c => c.Duration)
            .Must(d => d is null || (d >= options.CurrentValue.MinAccessDuration && d <= options.CurrentValue.MaxAccessDuration))
            .WithMessage(_ => $"Choose a duration between {Hours(options.CurrentValue.MinAccessDuration)} and {Hours(options.CurrentValue.MaxAccessDuration)}.");
    }

    /// <summary>An id the pattern cannot judge in time is refused like a malformed one: the timeout is a guard, not a verdict to pass.</summary>
    public static bool IsResourceId(string id)
    {
        try { return ResourceIdPattern().IsMatch(id); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    [GeneratedRegex(@"^/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(/resourceGroups/[-\w\.\(\)]{1,90}(?<!\.)(/providers/[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+(/[^/\s]{1,260}/[^/\s]{1,260})+)?)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    public static partial Regex ResourceIdPattern();

    private static bool IsUnder(string resourceId, Guid subscription) =>
        resourceId.StartsWith($"/subscriptions/{subscription}", StringComparison.OrdinalIgnoreCase);

    internal static string Hours(TimeSpan t) => t.TotalHours >= 1 ? $"{t.TotalHours:0.##} hours" : $"{t.TotalMinutes:0} minutes";

    /// <summary>The offending value as the message quotes it: short, and with control characters spelled out.</summary>
    private static string Shorten(string? s) => Audit.LogText.Neutralise(s, 80);
}

public sealed class DenyCommandValidator : AbstractValidator<DenyCommand>
{
    public DenyCommandValidator()
    {
        RuleFor(c => c.Reason)
            .MinimumVisibleLength(1).WithMessage("Give the engineer a reason for the denial.")
            .MaximumLength(1000).WithMessage("Keep the reason to 1000 characters or fewer.")
            .MultiLineText("The reason");
    }
}

public sealed class RevokeCommandValidator : AbstractValidator<RevokeCommand>
{
    public RevokeCommandValidator()
    {
        // Required like a denial's: revoking cuts an engineer off mid-work, and the reason is all they are told.
        RuleFor(c => c.Reason)
            .MinimumVisibleLength(1).WithMessage("Give the engineer a reason for revoking the access.")
            .MaximumLength(1000).WithMessage("Keep the reason to 1000 characters or fewer.")
            .MultiLineText("The reason");
    }
}

public sealed class ApproveCommandValidator : AbstractValidator<ApproveCommand>
{
    public ApproveCommandValidator(IOptionsMonitor<LockboxOptions> options)
    {
        RuleFor(c => c.Duration)
            .Must(d => d is null || (d >= options.CurrentValue.MinAccessDuration && d <= options.CurrentValue.MaxAccessDuration))
            .WithMessage(_ => $"Choose a duration between {FileAccessRequestValidator.Hours(options.CurrentValue.MinAccessDuration)} and {FileAccessRequestValidator.Hours(options.CurrentValue.MaxAccessDuration)}.");
        RuleFor(c => c.Comment)
            .MaximumLength(1000).WithMessage("Keep the comment to 1000 characters or fewer.")
            .MultiLineText("The comment");
    }
}
