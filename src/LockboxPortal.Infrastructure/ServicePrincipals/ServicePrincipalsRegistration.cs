using FluentValidation;
using LockboxPortal.Application.ServicePrincipals;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

public static class ServicePrincipalsRegistration
{
    /// <summary>
    /// The service principal wizard's service, validators and the configured directory
    /// (<c>ServicePrincipals:Provisioner</c> = Local, the default, or Azure). Azure needs an
    /// <see cref="IAccessTokenSource"/>, which the web host registers from Microsoft.Identity.Web.
    /// </summary>
    public static IServiceCollection AddServicePrincipals(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(ServicePrincipalOptions.Section);
        services.AddOptions<ServicePrincipalOptions>().Bind(section).ValidateDataAnnotations()
            .Validate(o => o.DefaultLifetimeYears <= o.MaxLifetimeYears, "ServicePrincipals:DefaultLifetimeYears cannot exceed MaxLifetimeYears.")
            .ValidateOnStart();
        services.AddOptions<AzureDirectoryOptions>().Bind(section)
            .Validate(o => Uri.TryCreate(o.GraphBaseUrl, UriKind.Absolute, out _) && Uri.TryCreate(o.ArmBaseUrl, UriKind.Absolute, out _),
                "ServicePrincipals:GraphBaseUrl and ArmBaseUrl must be absolute URLs.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AzureDirectoryOptions>, AzureHttpOptionsValidator>();

        services.TryAddSingleton<IValidator<CreateServicePrincipalCommand>, CreateServicePrincipalValidator>();
        services.TryAddSingleton<IValidator<RotateCredentialCommand>, RotateCredentialValidator>();
        services.AddSingleton<LocalDirectoryProvisioner>();
        // One typed client per service, so each has its own pipeline: a Graph outage opens Graph's breaker, not ARM's.
        services.AddHttpClient<GraphClient>().AddAzureResilience();
        services.AddHttpClient<ArmClient>().AddAzureResilience();
        services.AddTransient<AzureDirectoryProvisioner>();

        var kind = section.GetValue(nameof(ServicePrincipalOptions.Provisioner), DirectoryProvisionerKind.Local);
        if (kind == DirectoryProvisionerKind.Azure)
            services.AddTransient<IDirectoryProvisioner>(sp => sp.GetRequiredService<AzureDirectoryProvisioner>());
        else
            services.AddSingleton<IDirectoryProvisioner>(sp => sp.GetRequiredService<LocalDirectoryProvisioner>());
        services.AddScoped<ServicePrincipalService>();
        return services;
    }
}
