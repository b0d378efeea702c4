using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>
/// The resilience of the Graph and Resource Manager clients: Microsoft.Extensions.Http.Resilience's standard pipeline
/// (total timeout, jittered exponential retry that honours Retry-After, circuit breaker, attempt timeout), with retries
/// limited to the calls that are safe to repeat.
/// </summary>
public static class AzureHttpResilience
{
    public static IHttpClientBuilder AddAzureResilience(this IHttpClientBuilder builder)
    {
        // The pipeline's total timeout bounds each call, retries and waits included; HttpClient's own 100 s would
        // otherwise cut a call at a point the configuration does not say.
        builder.ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddStandardResilienceHandler().Configure((o, services) =>
            Apply(o, services.GetRequiredService<IOptions<AzureDirectoryOptions>>().Value.Http, services.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary>
    /// Only a call that cannot make a second object is repeated. GET and DELETE are idempotent; so are the PUTs
    /// (a resource group's create-or-update, a role assignment under a name derived from its inputs). POST is not:
    /// when Graph fails or times out on "create application" or "addPassword", the object may exist anyway, and a
    /// second POST would make a second application or a second secret that nobody knows about. Those failures go
    /// to the person, whose next attempt starts with the "does that name exist" check.
    /// </summary>
    public static bool MayRetry(HttpMethod method) =>
        method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options;

    /// <summary>How long the service asked to be left alone (Retry-After as seconds or as a date); null when it did not say.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } at ? at - now : null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static void Apply(HttpStandardResilienceOptions o, AzureHttpOptions http, TimeProvider time)
    {
        o.TotalRequestTimeout.Timeout = http.TotalTimeout;
        o.AttemptTimeout.Timeout = http.AttemptTimeout;
        o.Retry.MaxRetryAttempts = http.MaxRetryAttempts;
        o.Retry.Delay = http.RetryBaseDelay;
        o.Retry.BackoffType = DelayBackoffType.Exponential;
        o.Retry.UseJitter = true;
        o.Retry.ShouldRetryAfterHeader = true;
        // The breaker samples over at least two attempt timeouts, as the standard pipeline requires.
        var sampling = http.AttemptTimeout * 2;
        if (o.CircuitBreaker.SamplingDuration < sampling) o.CircuitBreaker.SamplingDuration = sampling;

        var transient = o.Retry.ShouldHandle;
        o.Retry.ShouldHandle = async args =>
            await transient(args)
            && args.Context.GetRequestMessage() is { } request && MayRetry(request.Method)
            // A wait longer than a person should sit through ends the call; the error says when to try again.
            && !(args.Outcome.Result is { } response && RetryAfter(response, time.GetUtcNow()) > http.MaxRetryAfter);
    }
}
