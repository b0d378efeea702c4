using System.Text;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Security;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LockboxPortal.Web.Endpoints;

/// <summary>The answer of <c>GET /api/v1/access-checks</c>.</summary>
public sealed record AccessCheckResponse(bool Allowed, Guid? RequestId, DateTimeOffset? ExpiresAt);

public static class GrantEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";

    public static IEndpointRouteBuilder MapGrantEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(JwksPath, async (ISigningKeyStore keys, HttpContext http, CancellationToken ct) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text(PublicSigningKey.ToJwks(await keys.GetPublishedKeysAsync(ct)), "application/jwk-set+json", Encoding.UTF8);
        })
        .AllowAnonymous()
        .WithName("Jwks")
        .WithSummary("The portal's public signing keys (ES256) for verifying grants offline.")
        .Produces<string>(StatusCodes.Status200OK, "application/jwk-set+json");

        app.MapGet("/api/v1/access-checks", CheckAsync)
            .RequireAuthorization(AccessCheckAuthentication.Policy)
            .RequireRateLimiting(AccessCheckAuthentication.RateLimitPolicy)
            .WithName("CheckAccess")
            .WithSummary("Whether an engineer holds an active Lockbox grant covering a resource of a tenant, now.")
            .WithDescription("Revoked, completed, expired, denied and pending requests answer allowed=false at once. " +
                "A caller may only ask about the tenants it is configured for (403 otherwise, whether or not the tenant exists). " +
                "Authenticate with an Entra ID bearer token of a configured client, or X-Api-Key where API keys are enabled.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return app;
    }

    private static async Task<Results<Ok<AccessCheckResponse>, ProblemHttpResult>> CheckAsync(
        [FromQuery] Guid? tenantId, [FromQuery] string? engineer, [FromQuery] string? resourceId,
        HttpContext http, GrantService grants, CancellationToken ct)
    {
        if (tenantId is null || string.IsNullOrWhiteSpace(engineer) || string.IsNullOrWhiteSpace(resourceId))
            return TypedResults.Problem(title: "Missing parameters",
                detail: "Give tenantId (GUID), engineer (object id or email) and resourceId (an Azure resource id).", statusCode: StatusCodes.Status400BadRequest);

        var caller = AccessCheckAuthentication.Caller(http.User);
        try
        {
            var result = await grants.CheckAccessAsync(caller, new AccessCheckQuery(tenantId.Value, engineer, resourceId), ct);
            return TypedResults.Ok(new AccessCheckResponse(result.Allowed, result.RequestId, result.ExpiresAt));
        }
        catch (ForbiddenAccessException ex)
        {
            return TypedResults.Problem(title: "Forbidden", detail: ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
    }

    /// <summary>API answers carry their own problem bodies: no HTML status page re-executed over them.</summary>
    public static IApplicationBuilder UseApiStatusCodes(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/.well-known")
                || context.Request.Path.StartsWithSegments(AuditEndpoints.ExportPath) || context.Request.Path.StartsWithSegments("/openapi"))
            {
                if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
            }
            await next(context);
        });
}
