namespace LockboxPortal.Infrastructure.ServicePrincipals;

/// <summary>Where the Azure adapter sends its calls (the <c>ServicePrincipals</c> section); tests point it at a local fake.</summary>
public sealed class AzureDirectoryOptions
{
    public string GraphBaseUrl { get; set; } = "https://graph.microsoft.com/v1.0";
    public string ArmBaseUrl { get; set; } = "https://management.azure.com";
    public string GraphScope { get; set; } = "https://graph.microsoft.com/.default";
    public string ArmScope { get; set; } = "https://management.azure.com/.default";

    /// <summary>
    /// Waits between role assignment attempts while a new service principal replicates to Resource Manager
    /// (it answers 400 PrincipalNotFound until then). Null: 2, 4, 8, 16 and 30 seconds.
    /// </summary>
    public TimeSpan[]? RoleAssignmentRetryDelays { get; set; }

    public IReadOnlyList<TimeSpan> RetryDelays => RoleAssignmentRetryDelays is { Length: > 0 } d
        ? d
        : [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(30)];
}

/// <summary>App-only access tokens for the customer's tenant (Microsoft.Identity.Web in production, a fake in tests).</summary>
public interface IAccessTokenSource
{
    Task<string> GetAccessTokenAsync(string scope, Guid tenantId, CancellationToken ct);
}
