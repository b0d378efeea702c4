using LockboxPortal.Web.Endpoints;
using LockboxPortal.Web.Security;

namespace LockboxPortal.Web.Extensions;

/// <summary>JWKS and the access-check API with its authentication, rate limit and OpenAPI document.</summary>
public static class GrantExtensions
{
    public static IServiceCollection AddPortalGrants(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddAccessCheckApi(configuration, environment);
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => d.RelativePath is { } path && (path.StartsWith("api/", StringComparison.Ordinal) || path.StartsWith(".well-known/", StringComparison.Ordinal));
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "Lockbox Portal — gateway API";
                doc.Info.Description = "Access checks, usage reports and the signing keys of Lockbox grants, for the gateways that enforce the lockbox; the tenant audit feed for SIEMs (docs/integrations.md).";
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapPortalGrants(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapGrantEndpoints();
        return app;
    }
}
