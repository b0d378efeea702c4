using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using LockboxPortal.Application.ServicePrincipals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>An application registration as Graph made it: its object id and its application (client) id.</summary>
public sealed record GraphApplication(Guid ObjectId, Guid AppId);

/// <summary>
/// Microsoft Graph v1.0 in the customer's tenant: applications, their service principals and password credentials.
/// Its URLs, request and answer shapes live here and nowhere else.
/// </summary>
public sealed class GraphClient(
    HttpClient http,
    IAccessTokenSource tokens,
    IOptions<AzureDirectoryOptions> options,
    TimeProvider time,
    ILogger<GraphClient> log) : AzureApiClient(http, tokens, time, log)
{
    protected override string ServiceName => "Microsoft Graph";
    protected override string TokenScope => options.Value.GraphScope;
    protected override string ForbiddenAdvice =>
        "Grant the portal's app registration the Microsoft Graph application permission Application.ReadWrite.OwnedBy (or Application.ReadWrite.All) and grant admin consent.";

    private string Base => options.Value.GraphBaseUrl.TrimEnd('/');

    public async Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        var filter = Uri.EscapeDataString($"displayName eq '{displayName.Replace("'", "''", StringComparison.Ordinal)}'");
        using var r = await SendAsync(HttpMethod.Get, $"{Base}/applications?$filter={filter}&$select=id,appId&$top=1", null, tenantId, ct);
        await EnsureSuccessAsync(r, "looking up applications by name", tenantId, ct);
        var body = await ReadJsonAsync(r, ct);
        return body?["value"] is JsonArray { Count: > 0 };
    }

    public async Task<GraphApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Post, $"{Base}/applications",
            new JsonObject { ["displayName"] = displayName, ["signInAudience"] = "AzureADMyOrg" }, tenantId, ct);
        await EnsureSuccessAsync(r, "creating the application", tenantId, ct);
        var app = await ReadJsonAsync(r, ct);
        return new GraphApplication(GuidOf(app, "id"), GuidOf(app, "appId"));
    }

    /// <summary>The service principal of an application, by its application (client) id; returns the principal's object id.</summary>
    public async Task<Guid> CreateServicePrincipalAsync(Guid tenantId, Guid appId, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Post, $"{Base}/servicePrincipals", new JsonObject { ["appId"] = appId.ToString() }, tenantId, ct);
        await EnsureSuccessAsync(r, "creating the service principal", tenantId, ct);
        return GuidOf(await ReadJsonAsync(r, ct), "id");
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
        using var r = await SendAsync(HttpMethod.Post, $"{Base}/applications/{applicationObjectId}/addPassword", body, tenantId, ct);
        await EnsureSuccessAsync(r, "adding a password", tenantId, ct);
        var c = await ReadJsonAsync(r, ct);
        var secret = c?["secretText"]?.GetValue<string>() ?? throw new ProvisioningException("Microsoft Graph added a password but returned no secret; remove it in the Entra admin center and try again.");
        return new ProvisionedCredential(
            GuidOf(c, "keyId"),
            secret,
            c["hint"]?.GetValue<string>() ?? secret[..3],
            DateOf(c, "startDateTime") ?? Time.GetUtcNow(),
            DateOf(c, "endDateTime") ?? endsAt,
            VerifierHash: null);
    }

    /// <summary>Removes a password; one that is already gone counts as removed.</summary>
    public async Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Post, $"{Base}/applications/{applicationObjectId}/removePassword",
            new JsonObject { ["keyId"] = keyId.ToString() }, tenantId, ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(r, "removing the old password", tenantId, ct);
    }

    /// <summary>Deletes an application, which takes its service principal and passwords with it; one already gone counts as deleted.</summary>
    public async Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Delete, $"{Base}/applications/{applicationObjectId}", null, tenantId, ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return;
        await EnsureSuccessAsync(r, "deleting the application", tenantId, ct);
    }
}
