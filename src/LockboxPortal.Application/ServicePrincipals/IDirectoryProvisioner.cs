namespace LockboxPortal.Application.ServicePrincipals;

/// <summary>An application registration and its service principal, just made.</summary>
public sealed record ProvisionedApplication(Guid AppId, Guid ApplicationObjectId, Guid PrincipalObjectId);

/// <summary>
/// A password credential, just made. <see cref="SecretText"/> is handed to the caller once and then dropped;
/// <see cref="VerifierHash"/> is set only by a directory that verifies secrets itself (the embedded one).
/// </summary>
public sealed record ProvisionedCredential(Guid KeyId, string SecretText, string Hint, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string? VerifierHash)
{
    public override string ToString() => $"ProvisionedCredential {{ KeyId = {KeyId}, Hint = {Hint}, EndsAt = {EndsAt:O} }}";
}

/// <summary>
/// Where service principals and resource groups are really made. The service decides and records; the
/// provisioner talks to the directory. Every call names the customer tenant it acts in.
/// </summary>
public interface IDirectoryProvisioner
{
    DirectoryProvisionerKind Kind { get; }

    /// <summary>Creates (or reuses, in the same location) a resource group; with <paramref name="mustExist"/>, only checks it is there.</summary>
    Task EnsureResourceGroupAsync(Guid tenantId, string subscriptionId, string name, string location, bool mustExist, CancellationToken ct);

    /// <summary>Whether the directory already has an application with this display name.</summary>
    Task<bool> ApplicationExistsAsync(Guid tenantId, string displayName, CancellationToken ct);

    Task<ProvisionedApplication> CreateApplicationAsync(Guid tenantId, string displayName, CancellationToken ct);

    Task<ProvisionedCredential> AddPasswordAsync(Guid tenantId, Guid applicationObjectId, DateTimeOffset endsAt, CancellationToken ct);

    Task RemovePasswordAsync(Guid tenantId, Guid applicationObjectId, Guid keyId, CancellationToken ct);

    /// <summary>Assigns the Contributor role at <paramref name="scope"/>, waiting out the new principal's replication.</summary>
    Task AssignContributorAsync(Guid tenantId, string scope, Guid principalObjectId, CancellationToken ct);

    /// <summary>Removes the role assignments and the application (which takes its service principal along).</summary>
    Task DeleteApplicationAsync(Guid tenantId, Guid applicationObjectId, Guid principalObjectId, IReadOnlyList<string> scopes, CancellationToken ct);
}

/// <summary>
/// The directory refused or failed; the message says what to do about it. Nothing the portal records was
/// changed. <see cref="RetryAfter"/> is set when the directory throttled the call.
/// </summary>
public sealed class ProvisioningException(string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The directory needs the signed-in user's consent before the portal may call it on their behalf (Entra ID answered
/// MsalUiRequiredException). Nothing was changed; the page sends the user to the consent prompt and back.
/// </summary>
public sealed class ConsentRequiredException(string message, Exception? inner = null) : Exception(message, inner);
