using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>
/// What the Graph and Resource Manager clients share: a call with a token for the customer's tenant, and the
/// translation of a failure into a message a person can act on. Response bodies are never logged: addPassword's
/// holds the secret.
/// </summary>
public abstract class AzureApiClient(HttpClient http, IAccessTokenSource tokens, TimeProvider time, ILogger log)
{
    /// <summary>The service's name as a person knows it ("Microsoft Graph").</summary>
    protected abstract string ServiceName { get; }

    protected abstract string TokenScope { get; }

    /// <summary>What to do about a 403 from this service.</summary>
    protected abstract string ForbiddenAdvice { get; }

    protected TimeProvider Time => time;

    protected async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, JsonNode? body, Guid tenantId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(TokenScope, tenantId, ct));
        if (body is not null) request.Content = JsonContent.Create(body);
        var host = request.RequestUri?.Host;
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new ProvisioningException(
                $"{ServiceName} did not answer within {ex.Timeout.TotalSeconds:0} seconds ({host}). " +
                (AzureHttpResilience.MayRetry(method) ? "" : "It may still have done what was asked: check the Entra admin center before trying again. ") +
                "Try again; if it persists, check the service health in the Azure portal.");
        }
        catch (BrokenCircuitException)
        {
            throw new ProvisioningException(
                $"{ServiceName} failed repeatedly just now, so the portal paused its calls to {host} for a few seconds. Try again in a minute; " +
                "if it persists, check the service health in the Azure portal.");
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new ProvisioningException(
                $"Could not reach {host} ({ex.GetType().Name}). Check the portal's outbound network access to Azure and try again.");
        }
        log.LogDebug("{Method} {Path} answered {Status}", method, request.RequestUri?.AbsolutePath, (int)response.StatusCode);
        return response;
    }

    protected async Task EnsureSuccessAsync(HttpResponseMessage r, string operation, Guid tenantId, CancellationToken ct)
    {
        if (r.IsSuccessStatusCode) return;
        throw Failure(r, await ReadErrorAsync(r, ct), operation, tenantId);
    }

    /// <summary>Turns a refusal into a message a person can act on; never a raw body or a stack trace.</summary>
    protected Exception Failure(HttpResponseMessage r, AzureApiError error, string operation, Guid tenantId)
    {
        var detail = error.Code is null ? "" : $" ({error.Code}: {error.Message})";
        return r.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new ProvisioningException(
                $"{ServiceName} did not accept the portal's token while {operation} (401){detail}. Check the portal's app registration " +
                $"credentials (AzureAd:ClientSecret or certificate) and that an administrator of tenant {tenantId} has consented to the portal."),
            HttpStatusCode.Forbidden => new ProvisioningException($"{ServiceName} refused {operation} (403 Forbidden){detail}. {ForbiddenAdvice}"),
            HttpStatusCode.Conflict => new ConflictException($"{ServiceName} reports a conflict while {operation}{detail}. Nothing was changed by the portal; resolve it and try again."),
            HttpStatusCode.TooManyRequests => Throttled(r, operation),
            _ => new ProvisioningException($"{ServiceName} answered {(int)r.StatusCode} {r.ReasonPhrase} while {operation}{detail}. Try again; if it persists, check the service health in the Azure portal."),
        };
    }

    private ProvisioningException Throttled(HttpResponseMessage r, string operation)
    {
        var wait = AzureHttpResilience.RetryAfter(r, time.GetUtcNow()) ?? TimeSpan.FromSeconds(30);
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        return new ProvisioningException(
            $"{ServiceName} is throttling the portal (429 Too Many Requests) while {operation}. Try again in {seconds} second{(seconds == 1 ? "" : "s")}.", wait);
    }

    protected static async Task<AzureApiError> ReadErrorAsync(HttpResponseMessage r, CancellationToken ct)
    {
        try
        {
            var node = await ReadJsonAsync(r, ct);
            var error = node?["error"];
            return new AzureApiError(
                error?["code"]?.GetValue<string>() is { } code ? LogText.Neutralise(code, 80) : null,
                LogText.Neutralise(error?["message"]?.GetValue<string>(), 300));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return new AzureApiError(null, null);
        }
    }

    protected static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage r, CancellationToken ct)
    {
        var text = await r.Content.ReadAsStringAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    protected static Guid GuidOf(JsonNode? node, string property) =>
        Guid.TryParse(node?[property]?.GetValue<string>(), out var g)
            ? g
            : throw new ProvisioningException($"The directory's answer lacked '{property}'. Try again; if it persists, check the portal's permissions.");

    protected static DateTimeOffset? DateOf(JsonNode? node, string property) =>
        DateTimeOffset.TryParse(node?[property]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
            ? d.ToUniversalTime()
            : null;
}

/// <summary>The <c>error</c> object of a Graph or Resource Manager answer, neutralised for messages and logs.</summary>
public sealed record AzureApiError(string? Code, string? Message);
