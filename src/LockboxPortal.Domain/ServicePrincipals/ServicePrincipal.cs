namespace LockboxPortal.Domain.ServicePrincipals;

/// <summary>A resource group the portal created or was pointed at, remembered per tenant and subscription.</summary>
public class ResourceGroup
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string SubscriptionId { get; set; }
    public required string Name { get; set; }
    public required string Location { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedByName { get; set; }

    public string Scope => ServicePrincipalScopes.ResourceGroup(SubscriptionId, Name);
}

/// <summary>
/// An application registration and its service principal, as the portal provisioned it. Holds no secret:
/// only credential metadata (key id, hint, end date) and, for the embedded directory, a salted hash.
/// </summary>
public class ServicePrincipal
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public required string DisplayName { get; set; }

    /// <summary>The Application (client) ID.</summary>
    public Guid AppId { get; set; }

    /// <summary>The application object's id (Graph <c>/applications/{id}</c>): passwords are added and removed there.</summary>
    public Guid ApplicationObjectId { get; set; }

    /// <summary>The service principal object's id: the principal of the role assignments.</summary>
    public Guid PrincipalObjectId { get; set; }

    public required string SubscriptionId { get; set; }
    public required string ResourceGroupName { get; set; }
    public required string Role { get; set; }

    /// <summary>Role assignment scopes, one per line; the first is the resource group's.</summary>
    public required string Scopes { get; set; }

    /// <summary>Which directory holds it: "Local" or "Azure".</summary>
    public required string Directory { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public Guid CreatedByOid { get; set; }
    public required string CreatedByName { get; set; }
    public Guid Version { get; set; } = Guid.NewGuid();

    public List<ServicePrincipalCredential> Credentials { get; set; } = [];

    public IReadOnlyList<string> ScopeList => Scopes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>A password credential's metadata. The secret itself is never kept.</summary>
public class ServicePrincipalCredential
{
    public Guid KeyId { get; set; }
    public Guid ServicePrincipalId { get; set; }

    /// <summary>The first three characters of the secret, as Entra ID shows them.</summary>
    public required string Hint { get; set; }
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }

    /// <summary>Embedded directory only: a salted PBKDF2 hash that verifies the secret; null for Azure.</summary>
    public string? SecretHash { get; set; }
}

public static class ServicePrincipalScopes
{
    public static string ResourceGroup(string subscriptionId, string resourceGroup) =>
        $"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}";
}

public static class AzureRoles
{
    public const string Contributor = "Contributor";

    /// <summary>The built-in Contributor role definition id, the same in every subscription.</summary>
    public const string ContributorDefinitionId = "b24988ac-6180-42a0-ab88-20f7382dd24c";
}
