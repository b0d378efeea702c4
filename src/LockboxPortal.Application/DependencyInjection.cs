using FluentValidation;
using LockboxPortal.Application.Administration;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Telemetry;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LockboxPortal.Application;

public static class DependencyInjection
{
    public static IServiceCollection AddApplication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LockboxOptions>().Bind(configuration.GetSection(LockboxOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SupportOrganizationsOptions>()
            .Bind(configuration.GetSection(SupportOrganizationsOptions.Section))
            .Validate(o => o.Organizations.Count > 0 && o.Organizations.All(x => x.TenantId != Guid.Empty && !string.IsNullOrWhiteSpace(x.Name)),
                "SupportOrganizations:Organizations needs at least one entry, each with a Name and a TenantId.")
            .ValidateOnStart();
        services.AddOptions<PortalOptions>().Bind(configuration.GetSection(PortalOptions.Section))
            .Validate(o => Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _), "Portal:PublicBaseUrl must be the portal's absolute public address, e.g. https://lockbox.contoso.com (it is used in email links).")
            .Validate(o => Common.EmailAddresses.IsValid(o.MailFrom), "Portal:MailFrom must be a plain email address.")
            .ValidateOnStart();

        services.AddOptions<ServiceRateLimitOptions>().Bind(configuration.GetSection(ServiceRateLimitOptions.Section)).ValidateDataAnnotations()
            .Validate(o => o.RequestFiling.PermitLimit > 0 && o.RequestFiling.Window > TimeSpan.Zero, "RateLimits:RequestFiling needs a PermitLimit and a Window.")
            .ValidateOnStart();
        // This process's own: exact for one instance. The infrastructure replaces both with Redis when configured.
        services.TryAddSingleton<IRateLimitStore, InProcessRateLimitStore>();
        services.TryAddSingleton<IEndedSessionStore, InProcessEndedSessionStore>();
        services.AddSingleton<UserActionRateLimiter>();

        services.AddSingleton<IValidator<FileAccessRequestCommand>, FileAccessRequestValidator>();
        services.AddSingleton<IValidator<ApproveCommand>, ApproveCommandValidator>();
        services.AddSingleton<IValidator<DenyCommand>, DenyCommandValidator>();
        services.AddSingleton<IValidator<RevokeCommand>, RevokeCommandValidator>();
        services.AddSingleton<IValidator<OpenTicketCommand>, OpenTicketValidator>();
        services.AddSingleton<PortalClaimsMapper>();
        services.AddScoped<CurrentUser>();
        services.AddScoped<ICurrentUser>(sp => sp.GetRequiredService<CurrentUser>());
        services.AddSingleton<AuditWriter>();
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.Section))
            .Validate(o => o.CheckpointInterval > TimeSpan.Zero, "Audit:CheckpointInterval must be positive, e.g. \"00:01:00\".")
            .ValidateOnStart();
        services.AddOptions<GrantOptions>().Bind(configuration.GetSection(GrantOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Audience), "Grants:Audience must not be empty.");
        services.AddSingleton<RefusalAuditor>();
        services.AddSingleton<AuditCheckpointer>();
        services.AddSingleton<AuditVerifier>();
        services.AddSingleton<AuditRechainer>();
        services.AddSingleton<GrantIssuer>();
        services.AddScoped<AuditService>();
        services.AddScoped<GrantService>();
        services.AddScoped<Transparency.AccessTrailService>();
        services.AddOptions<Transparency.AttestationOptions>().Bind(configuration.GetSection(Transparency.AttestationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidator<Transparency.SubmitAttestationCommand>, Transparency.SubmitAttestationValidator>();
        services.AddSingleton<IValidator<Transparency.FlagAttestationCommand>, Transparency.FlagAttestationValidator>();
        services.AddScoped<Transparency.AttestationService>();
        services.AddSingleton<Transparency.AttestationSweeper>();
        services.AddScoped<AuditEventFeed>();
        services.AddScoped<WebhookService>();
        services.AddSingleton<NotificationComposer>();
        services.AddScoped<LockboxQueries>();
        services.AddScoped<LockboxCommands>();
        services.AddScoped<TicketService>();
        services.AddScoped<AdministrationService>();
        services.AddScoped<ApprovalPolicyService>();
        services.AddScoped<OutboxService>();
        services.AddScoped<UserProfileService>();
        services.AddScoped<UserPreferencesService>();
        services.AddSingleton<LifecycleSweeper>();
        services.AddMetrics().AddSingleton<PortalMetrics>();
        return services;
    }
}
