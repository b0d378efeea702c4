using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LockboxPortal.Domain.ServicePrincipals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>What became of a role assignment.</summary>
public enum RoleAssignmentOutcome
{
    /// <summary>The principal holds the role at the scope (made now or already there).</summary>
    Assigned,

    /// <summary>Resource Manager does not know the principal yet: it replicates from Entra ID, usually within a minute.</summary>
    PrincipalNotReplicated,
}

/// <summary>
/// Azure Resource Manager in the customer's tenant: resource groups and Contributor role assignments. Every call
/// it makes can be repeated safely (GET, PUT under a name of its own choosing, DELETE). Its URLs, API versions,
/// request and answer shapes live here and nowhere else.
/// </summary>
public sealed class ArmClient(
    HttpClient http,
    IAccessTokenSource tokens,
    IOptions<AzureDirectoryOptions> options,
    TimeProvider time,
    ILogger<ArmClient> log) : AzureApiClient(http, tokens, time, log)
{
    public const string ResourceGroupApiVersion = "2021-04-01";
    public const string RoleAssignmentApiVersion = "2022-04-01";

    protected override string ServiceName => "Azure Resource Manager";
    protected override string TokenScope => options.Value.ArmScope;
    protected override string ForbiddenAdvice =>
        "Give the portal's service principal Owner or User Access Administrator on the subscription, so it may create resource groups and assign roles.";

    private string Base => options.Value.ArmBaseUrl.TrimEnd('/');

    public async Task<bool> ResourceGroupExistsAsync(Guid tenantId, string subscriptionId, string name, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Get, ResourceGroupUrl(subscriptionId, name), null, tenantId, ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(r, $"reading resource group '{name}'", tenantId, ct);
        return true;
    }

    /// <summary>Creates the resource group, or leaves it as it is when it exists in that location (a 409 when in another).</summary>
    public async Task CreateOrUpdateResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Put, ResourceGroupUrl(subscriptionId, name), new JsonObject { ["location"] = location }, tenantId, ct);
        await EnsureSuccessAsync(r, $"creating resource group '{name}'", tenantId, ct);
    }

    public async Task<RoleAssignmentOutcome> AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct)
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
        using var r = await SendAsync(HttpMethod.Put, RoleAssignmentUrl(scope, principalObjectId), body, tenantId, ct);
        if (r.IsSuccessStatusCode) return RoleAssignmentOutcome.Assigned;
        var error = await ReadErrorAsync(r, ct);
        if (r.StatusCode == HttpStatusCode.Conflict && error.Code == "RoleAssignmentExists") return RoleAssignmentOutcome.Assigned;
        if (r.StatusCode == HttpStatusCode.BadRequest && error.Code == "PrincipalNotFound") return RoleAssignmentOutcome.PrincipalNotReplicated;
        throw Failure(r, error, $"assigning Contributor at {scope}", tenantId);
    }

    /// <summary>Removes the Contributor assignment at a scope; one already gone counts as removed.</summary>
    public async Task DeleteRoleAssignmentAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct)
    {
        using var r = await SendAsync(HttpMethod.Delete, RoleAssignmentUrl(scope, principalObjectId), null, tenantId, ct);
        if (r.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NoContent) return;
        await EnsureSuccessAsync(r, $"removing the role assignment at {scope}", tenantId, ct);
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

    private string ResourceGroupUrl(string subscriptionId, string name) =>
        $"{Base}/subscriptions/{subscriptionId}/resourcegroups/{Uri.EscapeDataString(name)}?api-version={ResourceGroupApiVersion}";

    private string RoleAssignmentUrl(string scope, Guid principalObjectId) =>
        $"{Base}{EscapeScope(scope)}/providers/Microsoft.Authorization/roleAssignments/{RoleAssignmentName(scope, principalObjectId)}?api-version={RoleAssignmentApiVersion}";

    private static string EscapeScope(string scope) =>
        string.Concat(scope.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => "/" + Uri.EscapeDataString(s)));
}
