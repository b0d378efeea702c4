using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>
/// The directory in Azure: the steps the wizard asks for, made of calls to Microsoft Graph (<see cref="GraphClient"/>)
/// and Azure Resource Manager (<see cref="ArmClient"/>), with the waits and clean-ups between them. The clients own
/// the URLs, shapes, errors and transient retries; this class owns the order of calls and what to undo.
/// </summary>
public sealed class AzureDirectoryProvisioner(
    GraphClient graph,
    ArmClient arm,
    IOptions<AzureDirectoryOptions> options,
    TimeProvider time,
    ILogger<AzureDirectoryProvisioner> log) : IDirectoryProvisioner
{
    public DirectoryProvisionerKind Kind => DirectoryProvisionerKind.Azure;

    public async Task EnsureResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, bool mustExist, CancellationToken ct)
    {
        if (!mustExist)
        {
            await arm.CreateOrUpdateResourceGroupAsync(tenantId, subscriptionId, name, location, ct);
            return;
        }
        if (!await arm.ResourceGroupExistsAsync(tenantId, subscriptionId, name, ct))
            throw new InputValidationException(nameof(CreateServicePrincipalCommand.ResourceGroupName),
                $"There is no resource group '{name}' in subscription {subscriptionId}. Check the name, or choose 'Create a new resource group'.");
    }

    public Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct) =>
        graph.ApplicationExistsAsync(tenantId, displayName, ct);

    /// <summary>The application, then its service principal; an application whose principal could not be made is deleted again.</summary>
    public async Task<ProvisionedApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct)
    {
        var app = await graph.CreateApplicationAsync(tenantId, displayName, ct);
        Guid principalId;
        try
        {
            principalId = await graph.CreateServicePrincipalAsync(tenantId, app.AppId, ct);
        }
        catch (Exception ex)
        {
            await TryDeleteApplicationAsync(tenantId, app, ex);
            throw;
        }
        log.LogInformation("Created application {AppId} and its service principal in tenant {TenantId}", app.AppId, tenantId);
        return new ProvisionedApplication(app.AppId, app.ObjectId, principalId);
    }

    public Task<ProvisionedCredential> AddPasswordAsync(Guid tenantId, Guid applicationObjectId, DateTimeOffset endsAt, CancellationToken ct) =>
        graph.AddPasswordAsync(tenantId, applicationObjectId, endsAt, ct);

    public Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct) =>
        graph.RemovePasswordAsync(tenantId, applicationObjectId, keyId, ct);

    /// <summary>
    /// Waits out the new principal's replication from Entra ID to Resource Manager. This is not a transient fault
    /// the HTTP pipeline could retry (Resource Manager answers 400), so the waits are configured on their own.
    /// </summary>
    public async Task AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct)
    {
        var delays = options.Value.RetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            if (await arm.AssignContributorAsync(tenantId, scope, principalObjectId, ct) == RoleAssignmentOutcome.Assigned) return;
            if (attempt >= delays.Count)
                throw new ProvisioningException(
                    $"Azure Resource Manager still does not know the new service principal after {attempt + 1} attempts (it replicates " +
                    "from Entra ID, usually within a minute). Nothing was kept; try again in a few minutes.");
            log.LogInformation("Service principal {PrincipalId} not replicated yet; retrying the role assignment in {Delay}", principalObjectId, delays[attempt]);
            await Task.Delay(delays[attempt], time, ct);
        }
    }

    /// <summary>The role assignments first (they name the principal), then the application, which takes its principal along.</summary>
    public async Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, Guid principalObjectId, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        foreach (var scope in scopes)
            await arm.DeleteRoleAssignmentAsync(tenantId, scope, principalObjectId, ct);
        await graph.DeleteApplicationAsync(tenantId, applicationObjectId, ct);
    }

    /// <summary>Best effort: the failure that made us clean up is the one the person needs to see, not the clean-up's.</summary>
    private async Task TryDeleteApplicationAsync(Guid tenantId, GraphApplication app, Exception cause)
    {
        try
        {
            await graph.DeleteApplicationAsync(tenantId, app.ObjectId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            log.LogWarning("Could not remove application {AppId} after its service principal failed ({Cause}): {Error}",
                app.AppId, cause.GetType().Name, ex.Message);
        }
    }
}
