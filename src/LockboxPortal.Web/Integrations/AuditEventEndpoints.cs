using System.Text;
using System.Text.Json;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Integrations;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Mvc;

namespace LockboxPortal.Web.Integrations;

/// <summary>One line of <c>GET /api/v1/audit-events</c> (docs/integrations.md). <see cref="Cursor"/> resumes the feed after this event.</summary>
public sealed record AuditEventLine(
    string Id,
    long Sequence,
    DateTime Time,
    string Action,
    string Actor,
    Guid? ActorOid,
    string Target,
    Guid Tenant,
    JsonElement Details,
    string PreviousHash,
    string Hash,
    string Cursor);

public static class AuditEventEndpoints
{
    public const string Path = "/api/v1/audit-events";
    public const string NdjsonContentType = "application/x-ndjson";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public static IEndpointRouteBuilder MapAuditEventEndpoints(this IEndpointRouteBuilder app)
    {
        // The access-check API's callers, authentication and rate limit: one way in for systems, not a second one.
        app.MapGet(Path, StreamAsync)
            .RequireAuthorization(AccessCheckAuthentication.Policy)
            .RequireRateLimiting(AccessCheckAuthentication.RateLimitPolicy)
            .WithName("ListAuditEvents")
            .WithSummary("The tenant's audit events as NDJSON, in chain order, from a cursor (SIEM export).")
            .WithDescription("One JSON object per line (the schema below is one line). Each line carries `cursor`: pass the last line's " +
                "cursor as `after` to resume; an empty body means there is nothing newer yet (call again later with the same cursor). " +
                "`sequence` is contiguous per tenant from 1 and every event carries `previousHash`/`hash`, so a gap is detectable. " +
                "`tenantId` may be left out when the caller is configured for one tenant (or the cursor names it). " +
                "A tenant the caller is not configured for answers 403, whether or not it exists.")
            .Produces<AuditEventLine>(StatusCodes.Status200OK, NdjsonContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task StreamAsync([FromQuery] string? after, [FromQuery] string? limit, [FromQuery] string? tenantId,
        HttpContext http, AuditEventFeed feed, CancellationToken ct)
    {
        var caller = AccessCheckAuthentication.Caller(http.User);

        // Parsed here rather than bound, so a malformed value gets this API's problem body instead of a bare 400.
        int? size = null;
        if (limit is not null)
        {
            if (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var l))
            {
                await Problem(http, StatusCodes.Status400BadRequest, "Bad limit", $"limit must be a whole number between 1 and {AuditEventFeed.MaxLimit}.");
                return;
            }
            size = l;
        }
        Guid? tenant = null;
        if (tenantId is not null)
        {
            if (!Guid.TryParse(tenantId, out var t))
            {
                await Problem(http, StatusCodes.Status400BadRequest, "Bad tenantId", "tenantId must be a tenant id (GUID).");
                return;
            }
            tenant = t;
        }

        IAsyncEnumerable<AuditEvent> events;
        try
        {
            events = feed.Open(caller, tenant, after, size, ct);
        }
        catch (InputValidationException ex)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "Bad request", ex.Message);
            return;
        }
        catch (ForbiddenAccessException ex)
        {
            await Problem(http, StatusCodes.Status403Forbidden, "Forbidden", ex.Message);
            return;
        }

        var response = http.Response;
        response.ContentType = NdjsonContentType + "; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        await foreach (var e in events.WithCancellation(ct))
        {
            using var details = JsonDocument.Parse(e.Details);
            var line = new AuditEventLine(e.Id, e.Sequence, e.Time.UtcDateTime, e.Action, e.Actor, e.ActorOid, e.Target, e.Tenant,
                details.RootElement, e.PreviousHash, e.Hash, e.Cursor);
            await JsonSerializer.SerializeAsync(response.Body, line, Json, ct);
            await response.Body.WriteAsync(NewLine, ct);
        }
    }

    private static Task Problem(HttpContext http, int status, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(http);
}
