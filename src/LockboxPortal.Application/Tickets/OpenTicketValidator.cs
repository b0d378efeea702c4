using FluentValidation;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Application.Tickets;

public sealed class OpenTicketValidator : AbstractValidator<OpenTicketCommand>
{
    public OpenTicketValidator(IOptionsMonitor<SupportOrganizationsOptions> organizations)
    {
        RuleFor(c => c.Title)
            .MinimumVisibleLength(5).WithMessage("Give the ticket a title of at least 5 characters.")
            .MaximumLength(200).WithMessage("Keep the title to 200 characters or fewer.")
            .SingleLineText("The title");
        RuleFor(c => c.Description)
            .MinimumVisibleLength(10).WithMessage("Describe the problem in at least 10 characters.")
            .MaximumLength(5000).WithMessage("Keep the description to 5000 characters or fewer.")
            .MultiLineText("The description");
        RuleFor(c => c.Severity).IsInEnum().WithMessage("Choose a severity: A (critical), B (moderate) or C (minimal).");
        RuleFor(c => c.Product)
            .Must(p => organizations.CurrentValue.AllProducts.Contains(p, StringComparer.OrdinalIgnoreCase))
            .WithMessage(_ => $"Choose a product from the list: {string.Join(", ", organizations.CurrentValue.AllProducts)}.");
        RuleFor(c => c.ResourceId)
            .Must(id => id!.Length <= FileAccessRequestValidator.MaxResourceIdLength && FileAccessRequestValidator.IsResourceId(id))
            .When(c => !string.IsNullOrWhiteSpace(c.ResourceId))
            .WithMessage("Enter an Azure resource id of the form /subscriptions/{id}/resourceGroups/{name}[/providers/...], or leave it empty.");
        RuleFor(c => c.SupportOrganization)
            .Must(o => organizations.CurrentValue.ByName(o) is not null)
            .When(c => !string.IsNullOrWhiteSpace(c.SupportOrganization))
            .WithMessage(_ => $"Choose a support organization from the list: {string.Join(", ", organizations.CurrentValue.Organizations.Select(o => o.Name))}.");
    }
}
