using LockboxPortal.Application.Audit;
using Microsoft.AspNetCore.Http.Json;

namespace LockboxPortal.Web.Extensions;

/// <summary>
/// A query string or form value an endpoint cannot bind (a malformed GUID or date) is the caller's mistake: it is
/// answered 400 with a problem description saying which value, and logged as a 400 — in every environment, not
/// a developer exception page and a 500 in Development and an empty 400 elsewhere.
/// </summary>
public static class BadRequestExtensions
{
    public static IServiceCollection AddBadRequestProblems(this IServiceCollection services)
    {
        // Binding failures always throw, so the one handler below answers them the same way everywhere.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>Inside the request logging, so the log line carries the 400 this writes.</summary>
    public static IApplicationBuilder UseBadRequestProblems(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadRequestExtensions).FullName!)
                    .LogInformation("Bad request to {Path}: {Reason}", context.Request.Path.Value, LogText.Neutralise(ex.Message, 300));
                context.Response.Clear();
                if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
                await Results.Problem(
                    title: "Bad request",
                    detail: $"{ex.Message} Correct the value and try again.",
                    statusCode: ex.StatusCode).ExecuteAsync(context);
            }
        });
}
