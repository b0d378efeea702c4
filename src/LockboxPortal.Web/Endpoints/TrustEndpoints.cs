using System.Text;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Security;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LockboxPortal.Web.Endpoints;

/// <summary>The answer of <c>GET /api/v1/access-checks</c>.</summary>
public sealed record AccessCheckResponse(bool Allowed, Guid? RequestId, DateTimeOffset? ExpiresAt);

public static class TrustEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";

    public static IEndpointRouteBuilder MapTrustEndpoints(this IEndpointRouteBuilder app)
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

        app.MapGet("/audit/export.csv", ExportAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<Ok<AccessCheckResponse>, ProblemHttpResult>> CheckAsync(
        [FromQuery] Guid? tenantId, [FromQuery] string? engineer, [FromQuery] string? resourceId,
        HttpContext http, GrantService grants, CancellationToken ct)
    {
        if (tenantId is null || string.IsNullOrWhiteSpace(engineer) || string.IsNullOrWhiteSpace(resourceId))
            return TypedResults.Problem(title: "Missing parameters",
                detail: "Give tenantId (GUID), engineer (object id or email) and resourceId (an Azure resource id).", statusCode: StatusCodes.Status400BadRequest);

        var caller = new AccessCheckCaller(
            http.User.FindFirst(AccessCheckAuthentication.CallerClaim)!.Value,
            http.User.FindAll(AccessCheckAuthentication.TenantClaim).Select(c => Guid.TryParse(c.Value, out var t) ? t : Guid.Empty).ToHashSet());
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

    /// <summary>The tenant audit log as CSV, for the tenant's approvers (the service decides), with the page's filters.</summary>
    private static async Task ExportAsync(HttpContext http, AuditService audit, TimeProvider time,
        string? action, string? actor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"audit-{time.GetUtcNow():yyyyMMdd-HHmmss}.csv\"";
        response.Headers.CacheControl = "no-store";
        // Not disposed on failure: disposing flushes, which would start the response before a refusal can be sent.
        var writer = new StreamWriter(response.Body, new UTF8Encoding(false), bufferSize: 16 * 1024, leaveOpen: true);
        try
        {
            await audit.ExportCsvAsync(new AuditQuery { Action = action, Actor = actor, From = from, To = to }, writer, ct);
            await writer.FlushAsync(ct);
        }
        catch (ForbiddenAccessException ex) when (!response.HasStarted)
        {
            response.Headers.ContentDisposition = default;
            await Results.Problem(title: "Forbidden", detail: ex.Message, statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(http);
        }
    }

    /// <summary>API answers carry their own problem bodies: no HTML status page re-executed over them.</summary>
    public static IApplicationBuilder UseApiStatusCodes(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/.well-known")
                || context.Request.Path.StartsWithSegments("/audit/export.csv") || context.Request.Path.StartsWithSegments("/openapi"))
            {
                if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
            }
            await next(context);
        });
}
