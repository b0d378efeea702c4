using System.Text.Json;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.Grants;
using LockboxPortal.Application.Transparency;
using LockboxPortal.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LockboxPortal.Web.Integrations;

/// <summary>The body of <c>POST /api/v1/access-events</c>: up to <see cref="AccessTrailService.MaxBatch"/> uses of grants.</summary>
public sealed record AccessEventsRequest(IReadOnlyList<ReportedAccessEvent?>? Events);

public static class AccessEventEndpoints
{
    public const string Path = "/api/v1/access-events";

    public static IEndpointRouteBuilder MapAccessEventEndpoints(this IEndpointRouteBuilder app)
    {
        // The access-check API's callers, authentication and rate limit: one way in for systems, not a second one.
        app.MapPost(Path, ReportAsync)
            .RequireAuthorization(AccessCheckAuthentication.Policy)
            .RequireRateLimiting(AccessCheckAuthentication.RateLimitPolicy)
            .WithName("ReportAccessEvents")
            .WithSummary("A gateway reports uses of Lockbox grants (the request page's \"What was accessed\").")
            .WithDescription($"Up to {AccessTrailService.MaxBatch} events per call, all recorded or none. `grantId` is the grant's `request_id` claim. " +
                "Each event carries an `eventId` of the gateway's choosing, unique per gateway: an id sent before is not recorded again " +
                "(its receipt says `duplicate: true`), so a retried call is safe. A grant of a tenant the caller is not configured for is " +
                $"answered like an unknown grant. A time more than {AccessTrailService.ClockSkew.TotalMinutes:0} minutes ahead of the portal's clock is refused. " +
                "A use before or after the access window, after revocation or outside the grant's scope is recorded as an anomaly " +
                "(`before-window`, `after-window`, `after-revocation`, `outside-scope`): audited as `access.anomaly` and emailed to the tenant's approvers, " +
                $"at most once per request and kind per {AccessTrailService.AlertPause.TotalMinutes:0} minutes. A 400 names each bad field, e.g. `events[2].resourceId`, and records nothing.")
            .Accepts<AccessEventsRequest>("application/json")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Ok<AccessEventsReceipt>, ValidationProblem, ProblemHttpResult>> ReportAsync(
        HttpContext http, AccessTrailService trail, CancellationToken ct)
    {
        // Read here rather than bound, so a malformed value is answered with the field it is in, like every other bad input.
        AccessEventsRequest? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<AccessEventsRequest>(ct);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = ["This value could not be read: send JSON as documented (times in ISO 8601 with an offset, ids as GUIDs)."],
            }, title: "The events were not recorded", detail: "Nothing of this call was recorded. The body is not valid JSON of the documented shape.");
        }
        catch (InvalidOperationException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the events as application/json."] },
                title: "The events were not recorded");
        }

        var caller = AccessCheckAuthentication.Caller(http.User);
        try
        {
            return TypedResults.Ok(await trail.ReportAsync(caller, body?.Events, ct));
        }
        catch (InputValidationException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors, title: "The events were not recorded",
                detail: "Nothing of this call was recorded. Correct the fields named under errors and send the batch again.");
        }
        catch (ConflictException ex)
        {
            return TypedResults.Problem(title: "Conflict", detail: ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }
}
