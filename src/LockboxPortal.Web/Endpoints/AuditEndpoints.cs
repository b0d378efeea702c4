using System.Text;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;

namespace LockboxPortal.Web.Endpoints;

public static class AuditEndpoints
{
    public const string ExportPath = "/audit/export.csv";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(ExportPath, ExportAsync).ExcludeFromDescription();
        return app;
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
}
