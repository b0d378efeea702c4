using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LockboxPortal.Application.Audit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>
/// Microsoft Graph v1.0 (applications, service principals, passwords) and Azure Resource Manager (resource
/// groups, role assignments) over plain HTTP, in the caller's tenant. Response bodies are never logged:
/// addPassword's holds the secret.
/// </summary>
public sealed class AzureDirectoryProvisioner(
    HttpClient http,
    IAccessTokenSource tokens,
    IOptions<AzureDirectoryOptions> options,
    TimeProvider time,
    ILogger<AzureDirectoryProvisioner> log) : IDirectoryProvisioner
{
    public const string ResourceGroupApiVersion = "2021-04-01";
    public const string RoleAssignmentApiVersion = "2022-04-01";
    private const string Graph = "Microsoft Graph";
    private const string Arm = "Azure Resource Manager";

    private AzureDirectoryOptions Options => options.Value;

    public DirectoryProvisionerKind Kind => DirectoryProvisionerKind.Azure;

    public async Task EnsureResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, bool mustExist, CancellationToken ct)
    {
        var url = $"{Arm_(subscriptionId)}/resourcegroups/{Uri.EscapeDataString(name)}?api-version={ResourceGroupApiVersion}";
        if (mustExist)
        {
            using var get = await SendAsync(HttpMethod.Get, url, null, Options.ArmScope, tenantId, ct);
            if (get.StatusCode == HttpStatusCode.NotFound)
                throw new InputValidationException(nameof(CreateServicePrincipalCommand.ResourceGroupName),
                    $"There is no resource group '{name}' in subscription {subscriptionId}. Check the name, or choose 'Create a new resource group'.");
            await EnsureSuccessAsync(get, Arm, $"reading resource group '{name}'", tenantId, ct);
            return;
        }
        using var put = await SendAsync(HttpMethod.Put, url, new JsonObject { ["location"] = location }, Options.ArmScope, tenantId, ct);
        await EnsureSuccessAsync(put, Arm, $"creating resource group '{name}'", tenantId, ct);
    }

    public async Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        var filter = Uri.EscapeDataString($"displayName eq '{displayName.Replace("'", "''", StringComparison.Ordinal)}'");
        using var r = await SendAsync(HttpMethod.Get, $"{GraphBase}/applications?$filter={filter}&$select=id,appId&$top=1", null, Options.GraphScope, tenantId, ct);
        await EnsureSuccessAsync(r, Graph, "looking up applications by name", tenantId, ct);
        var body = await ReadJsonAsync(r, ct);
        return body?["value"] is JsonArray { Count: > 0 };
    }

    public async Task<ProvisionedApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        using var appResponse = await SendAsync(HttpMethod.Post, $"{GraphBase}/applications",
            new JsonObject { ["displayName"] = displayName, ["signInAudience"] = "AzureADMyOrg" }, Options.GraphScope, tenantId, ct);
        await EnsureSuccessAsync(appResponse, Graph, "creating the application", tenantId, ct);
        var app = await ReadJsonAsync(appResponse, ct);
        var objectId = GuidOf(app, "id");
        var appId = GuidOf(app, "appId");

        using var spResponse = await SendAsync(HttpMethod.Post, $"{GraphBase}/servicePrincipals",
            new JsonObject { ["appId"] = appId.ToString() }, Options.GraphScope, tenantId, ct);
        try
        {
            await EnsureSuccessAsync(spResponse, Graph, "creating the service principal", tenantId, ct);
        }
        catch
        {
            await TryDeleteAsync($"{GraphBase}/applications/{objectId}", Options.GraphScope, tenantId);
            throw;
        }
        var sp = await ReadJsonAsync(spResponse, ct);
        log.LogInformation("Created application {AppId} and its service principal in tenant {TenantId}", appId, tenantId);
        return new ProvisionedApplication(appId, objectId, GuidOf(sp, "id"));
    }

    public async Task<ProvisionedCredential> AddPasswordAsync(Guid tenantId, Guid applicationObjectId, DateTimeOffset endsAt, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["passwordCredential"] = new JsonObject
            {
                ["displayName"] = "Lockbox Portal",
                ["endDateTime"] = endsAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
        using var r = await SendAsync(HttpMethod.Post, $"{GraphBase}/applications/{applicationObjectId}/addPassword", body, Options.GraphScope, tenantId, ct);
        await EnsureSuccessAsync(r, Graph, "adding a password", tenantId, ct);
        var c = await ReadJsonAsync(r, ct);
        var secret = c?["secretText"]?.GetValue<string>() ?? throw new ProvisioningException("Microsoft Graph added a password but returned no secret; remove it in the Entra admin center and try again.");
        return new ProvisionedCredential(
            GuidOf(c, "keyId"),
            secret,
            c["hint"]?.GetValue<string>() ?? secret[..3],
            DateOf(c, "startDateTime") ?? time.GetUtcNow(),
            DateOf(c, "endDateTime") ?? endsAt,
            VerifierHash: null);
    }

    public async Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Post, $"{GraphBase}/applications/{applicationObjectId}/removePassword",
            new JsonObject { ["keyId"] = keyId.ToString() }, Options.GraphScope, tenantId, ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(r, Graph, "removing the old password", tenantId, ct);
    }

    public async Task AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct)
    {
        var subscription = scope.Split('/', StringSplitOptions.RemoveEmptyEntries)[1];
        var body = new JsonObject
        {
            ["properties"] = new JsonObject
            {
                ["roleDefinitionId"] = $"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{AzureRoles.ContributorDefinitionId}",
                ["principalId"] = principalObjectId.ToString(),
                ["principalType"] = "ServicePrincipal",
            },
        };
        var url = RoleAssignmentUrl(scope, principalObjectId);
        var delays = Options.RetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            using var r = await SendAsync(HttpMethod.Put, url, body, Options.ArmScope, tenantId, ct);
            if (r.IsSuccessStatusCode) return;
            var error = await ReadErrorAsync(r, ct);
            if (r.StatusCode == HttpStatusCode.Conflict && error.Code == "RoleAssignmentExists") return;
            if (r.StatusCode == HttpStatusCode.BadRequest && error.Code == "PrincipalNotFound")
            {
                if (attempt >= delays.Count)
                    throw new ProvisioningException(
                        $"Azure Resource Manager still does not know the new service principal after {attempt + 1} attempts (it replicates " +
                        "from Entra ID, usually within a minute). Nothing was kept; try again in a few minutes.");
                log.LogInformation("Service principal {PrincipalId} not replicated yet; retrying the role assignment in {Delay}", principalObjectId, delays[attempt]);
                await Task.Delay(delays[attempt], time, ct);
                continue;
            }
            throw Failure(r, error, Arm, $"assigning Contributor at {scope}", tenantId);
        }
    }

    public async Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, Guid principalObjectId, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        foreach (var scope in scopes)
        {
            using var r = await SendAsync(HttpMethod.Delete, RoleAssignmentUrl(scope, principalObjectId), null, Options.ArmScope, tenantId, ct);
            if (r.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.NoContent))
                await EnsureSuccessAsync(r, Arm, $"removing the role assignment at {scope}", tenantId, ct);
        }
        // Deleting the application deletes its service principal and passwords with it.
        using var app = await SendAsync(HttpMethod.Delete, $"{GraphBase}/applications/{applicationObjectId}", null, Options.GraphScope, tenantId, ct);
        if (app.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(app, Graph, "deleting the application", tenantId, ct);
    }

    /// <summary>
    /// The role assignment's name: a GUID derived from principal, scope and role, so a retried or repeated
    /// assignment lands on the same resource and deletion finds it again without storing it.
    /// </summary>
    public static Guid RoleAssignmentName(string scope, Guid principalObjectId)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{scope.ToLowerInvariant()}|{principalObjectId:D}|{AzureRoles.ContributorDefinitionId}"));
        var g = bytes.AsSpan(0, 16).ToArray();
        g[7] = (byte)((g[7] & 0x0F) | 0x50);
        g[8] = (byte)((g[8] & 0x3F) | 0x80);
        return new Guid(g);
    }

    private string GraphBase => Options.GraphBaseUrl.TrimEnd('/');
    private string Arm_(string subscriptionId) => $"{Options.ArmBaseUrl.TrimEnd('/')}/subscriptions/{subscriptionId}";

    private string RoleAssignmentUrl(string scope, Guid principalObjectId) =>
        $"{Options.ArmBaseUrl.TrimEnd('/')}{EscapeScope(scope)}/providers/Microsoft.Authorization/roleAssignments/{RoleAssignmentName(scope, principalObjectId)}?api-version={RoleAssignmentApiVersion}";

    private static string EscapeScope(string scope) =>
        string.Concat(scope.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => "/" + Uri.EscapeDataString(s)));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, JsonNode? body, string scope, Guid tenantId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAccessTokenAsync(scope, tenantId, ct));
        if (body is not null) request.Content = JsonContent.Create(body);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new ProvisioningException(
                $"Could not reach {request.RequestUri?.Host} ({ex.GetType().Name}). Check the portal's outbound network access to Azure and try again.");
        }
        log.LogDebug("{Method} {Path} answered {Status}", method, request.RequestUri?.AbsolutePath, (int)response.StatusCode);
        return response;
    }

    private async Task TryDeleteAsync(string url, string scope, Guid tenantId)
    {
        try { using var _ = await SendAsync(HttpMethod.Delete, url, null, scope, tenantId, CancellationToken.None); }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { log.LogWarning("Clean-up call failed: {Error}", ex.Message); }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage r, string service, string operation, Guid tenantId, CancellationToken ct)
    {
        if (r.IsSuccessStatusCode) return;
        throw Failure(r, await ReadErrorAsync(r, ct), service, operation, tenantId);
    }

    /// <summary>Turns a refusal into a message a person can act on; never a raw body or a stack trace.</summary>
    private Exception Failure(HttpResponseMessage r, ApiError error, string service, string operation, Guid tenantId)
    {
        var detail = error.Code is null ? "" : $" ({error.Code}: {error.Message})";
        return r.StatusCode switch
        {
            HttpStatusCode.Unauthorized => new ProvisioningException(
                $"{service} did not accept the portal's token while {operation} (401){detail}. Check the portal's app registration " +
                $"credentials (AzureAd:ClientSecret or certificate) and that an administrator of tenant {tenantId} has consented to the portal."),
            HttpStatusCode.Forbidden => new ProvisioningException(
                $"{service} refused {operation} (403 Forbidden){detail}. " + (service == Graph
                    ? "Grant the portal's app registration the Microsoft Graph application permission Application.ReadWrite.OwnedBy (or Application.ReadWrite.All) and grant admin consent."
                    : "Give the portal's service principal Owner or User Access Administrator on the subscription, so it may create resource groups and assign roles.")),
            HttpStatusCode.Conflict => new ConflictException($"{service} reports a conflict while {operation}{detail}. Nothing was changed by the portal; resolve it and try again."),
            HttpStatusCode.TooManyRequests => Throttled(r, service, operation, time.GetUtcNow()),
            _ => new ProvisioningException($"{service} answered {(int)r.StatusCode} {r.ReasonPhrase} while {operation}{detail}. Try again; if it persists, check the service health in the Azure portal."),
        };
    }

    private static ProvisioningException Throttled(HttpResponseMessage r, string service, string operation, DateTimeOffset now)
    {
        var wait = r.Headers.RetryAfter?.Delta
                   ?? (r.Headers.RetryAfter?.Date is { } at ? at - now : (TimeSpan?)null)
                   ?? TimeSpan.FromSeconds(30);
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        return new ProvisioningException(
            $"{service} is throttling the portal (429 Too Many Requests) while {operation}. Try again in {seconds} second{(seconds == 1 ? "" : "s")}.", wait);
    }

    private sealed record ApiError(string? Code, string? Message);

    private static async Task<ApiError> ReadErrorAsync(HttpResponseMessage r, CancellationToken ct)
    {
        try
        {
            var node = await ReadJsonAsync(r, ct);
            var error = node?["error"];
            return new ApiError(
                error?["code"]?.GetValue<string>() is { } code ? LogText.Neutralise(code, 80) : null,
                LogText.Neutralise(error?["message"]?.GetValue<string>(), 300));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return new ApiError(null, null);
        }
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage r, CancellationToken ct)
    {
        var text = await r.Content.ReadAsStringAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    private static Guid GuidOf(JsonNode? node, string property) =>
        Guid.TryParse(node?[property]?.GetValue<string>(), out var g)
            ? g
            : throw new ProvisioningException($"The directory's answer lacked '{property}'. Try again; if it persists, check the portal's permissions.");

    private static DateTimeOffset? DateOf(JsonNode? node, string property) =>
        DateTimeOffset.TryParse(node?[property]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
            ? d.ToUniversalTime()
            : null;
}
