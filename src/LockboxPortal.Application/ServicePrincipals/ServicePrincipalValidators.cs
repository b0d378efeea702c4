using System.Text.RegularExpressions;
using FluentValidation;
using LockboxPortal.Application.Common;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.ServicePrincipals;

/// <summary>Azure's naming rules, shared by the wizard (step by step) and the service (all at once).</summary>
public static partial class AzureNames
{
    public const int ResourceGroupMaxLength = 90;
    public const int DisplayNameMaxLength = 120;

    [GeneratedRegex(@"^[\p{L}\p{Nd}_\-\.\(\)]+$")]
    private static partial Regex ResourceGroupCharacters();

    [GeneratedRegex(@"^/subscriptions/([0-9a-fA-F\-]{36})/resourceGroups/([^/]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ResourceGroupScope();

    public static bool IsSubscriptionId(string? value) =>
        Guid.TryParseExact(value?.Trim(), "D", out var g) && g != Guid.Empty;

    public static bool HasResourceGroupCharacters(string? name) => name is not null && ResourceGroupCharacters().IsMatch(name);

    public static bool IsResourceGroupName(string? name) =>
        name is { Length: > 0 and <= ResourceGroupMaxLength } && HasResourceGroupCharacters(name) && !name.EndsWith('.');

    /// <summary>A resource group scope: <c>/subscriptions/{guid}/resourceGroups/{valid name}</c>.</summary>
    public static bool IsResourceGroupScope(string? scope)
    {
        var m = ResourceGroupScope().Match(scope?.Trim() ?? "");
        return m.Success && IsSubscriptionId(m.Groups[1].Value) && IsResourceGroupName(m.Groups[2].Value);
    }
}

public sealed class CredentialLifetimeValidator : AbstractValidator<CredentialLifetime>
{
    public CredentialLifetimeValidator(TimeProvider time, IOptions<ServicePrincipalOptions> options)
    {
        var max = options.Value.MaxLifetimeYears;
        RuleFor(l => l.Years)
            .InclusiveBetween(1, max)
            .When(l => l.Kind == CredentialLifetimeKind.Years)
            .WithMessage(max == 1 ? "The credential lifetime is 1 year here." : $"Choose a lifetime of 1 to {max} years.");
        RuleFor(l => l.EndDate)
            .NotNull().WithMessage("Choose the date the credential ends.")
            .When(l => l.Kind == CredentialLifetimeKind.EndDate);
        RuleFor(l => l.EndDate)
            .Must(d => d!.Value > DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime))
            .WithMessage("Choose an end date after today.")
            .Must(d => d!.Value.ToDateTime(TimeOnly.MinValue) <= time.GetUtcNow().UtcDateTime.AddYears(max))
            .WithMessage($"The end date can be at most {max} year{(max == 1 ? "" : "s")} from today.")
            .When(l => l.Kind == CredentialLifetimeKind.EndDate && l.EndDate is not null);
    }
}

public sealed class CreateServicePrincipalValidator : AbstractValidator<CreateServicePrincipalCommand>
{
    public const int MaxExtraScopes = 5;

    public CreateServicePrincipalValidator(TimeProvider time, IOptions<ServicePrincipalOptions> options)
    {
        RuleFor(c => c.SubscriptionId)
            .NotEmpty().WithMessage("Enter the subscription ID.")
            .Must(AzureNames.IsSubscriptionId).When(c => !string.IsNullOrWhiteSpace(c.SubscriptionId), ApplyConditionTo.CurrentValidator)
            .WithMessage("A subscription ID is a GUID such as 0b1f6471-1bf0-4dda-aec3-cb9272f09590 (az account show --query id -o tsv).");

        RuleFor(c => c.ResourceGroupName)
            .NotEmpty().WithMessage("Enter a resource group name.")
            .DependentRules(() =>
            {
                RuleFor(c => c.ResourceGroupName)
                    .MaximumLength(AzureNames.ResourceGroupMaxLength)
                    .WithMessage($"A resource group name has at most {AzureNames.ResourceGroupMaxLength} characters.")
                    .Must(AzureNames.HasResourceGroupCharacters)
                    .WithMessage("A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")
                    .Must(n => !n.EndsWith('.'))
                    .WithMessage("A resource group name cannot end in a period.");
            });

        RuleFor(c => c.Location)
            .NotEmpty().WithMessage("Choose the location of the new resource group.")
            .Must(l => AzureRegions.Find(l) is not null).When(c => !string.IsNullOrWhiteSpace(c.Location), ApplyConditionTo.CurrentValidator)
            .WithMessage(c => $"'{Audit.LogText.Neutralise(c.Location, 40)}' is not an Azure region; choose one from the list.")
            .When(c => c.ResourceGroupMode == ResourceGroupMode.New);

        RuleFor(c => c.DisplayName)
            .NotEmpty().WithMessage("Enter a name for the service principal.")
            .MaximumLength(AzureNames.DisplayNameMaxLength)
            .WithMessage($"A service principal name has at most {AzureNames.DisplayNameMaxLength} characters.")
            .SingleLineText("The service principal name");

        RuleFor(c => c.ExtraScopes)
            .Must(s => s.Count(x => !string.IsNullOrWhiteSpace(x)) <= MaxExtraScopes)
            .WithMessage($"Add at most {MaxExtraScopes} further scopes.");
        RuleFor(c => c.ExtraScopes)
            .Must(s => s.All(x => string.IsNullOrWhiteSpace(x) || AzureNames.IsResourceGroupScope(x)))
            .WithMessage("A further scope must look like /subscriptions/{subscription-id}/resourceGroups/{name}.")
            .Must((c, s) => !s.Any(x => string.Equals(x.Trim(), c.Scope, StringComparison.OrdinalIgnoreCase)))
            .WithMessage("The resource group's own scope is assigned already; remove it from the further scopes.")
            .Must(s => s.Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count()
                       == s.Count(x => !string.IsNullOrWhiteSpace(x)))
            .WithMessage("Each further scope may be listed once.");

        RuleFor(c => c.Lifetime).SetValidator(new CredentialLifetimeValidator(time, options));
    }
}

public sealed class RotateCredentialValidator : AbstractValidator<RotateCredentialCommand>
{
    public RotateCredentialValidator(TimeProvider time, IOptions<ServicePrincipalOptions> options) =>
        RuleFor(c => c.Lifetime).SetValidator(new CredentialLifetimeValidator(time, options));
}
