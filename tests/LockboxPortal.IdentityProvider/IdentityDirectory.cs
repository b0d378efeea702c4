using System.Collections.Concurrent;
using LockboxPortal.Application.Security;
using LockboxPortal.Infrastructure.Demo;

namespace LockboxPortal.IdentityProvider;

/// <summary>A user of one tenant, with the directory roles (<c>wids</c>) and app roles Entra ID would put in a token.</summary>
public sealed record DirectoryUser(
    string UserName,
    string Name,
    Guid Oid,
    Guid TenantId,
    bool GlobalAdministrator,
    IReadOnlyList<string> AppRoles)
{
    public static DirectoryUser From(DemoPersona p) =>
        new(p.Email, p.Name, p.Oid, p.TenantId, p.GlobalAdministrator, p.AppRoles);
}

/// <summary>
/// An app registration: its client id, secret, redirect URIs and the app roles it holds on other apps
/// (what a client-credential token carries in <c>roles</c>).
/// </summary>
public sealed class AppRegistration(Guid clientId, string displayName, Guid homeTenant)
{
    public Guid ClientId { get; } = clientId;
    public string DisplayName { get; } = displayName;
    public Guid HomeTenant { get; } = homeTenant;

    /// <summary>The service principal's object id (<c>oid</c> of its app-only tokens).</summary>
    public Guid ServicePrincipalId { get; } = Guid.NewGuid();

    /// <summary>Generated per run; never written to disk or the repository.</summary>
    public string Secret { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(30));

    /// <summary>The Application ID URI (<c>api://{clientId}</c>), so scopes like <c>api://{clientId}/.default</c> name this app.</summary>
    public string ApplicationIdUri => $"api://{ClientId}";

    public ConcurrentBag<string> RedirectUris { get; } = [];
    public ConcurrentBag<string> PostLogoutRedirectUris { get; } = [];

    /// <summary>App roles granted to this app on a resource app (resource client id → role values).</summary>
    public ConcurrentDictionary<Guid, string[]> AppRoleAssignments { get; } = new();
}

/// <summary>The tenants, users and app registrations of the local identity provider.</summary>
public sealed class IdentityDirectory
{
    private readonly ConcurrentDictionary<string, DirectoryUser> _users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Guid, AppRegistration> _apps = new();
    private readonly ConcurrentDictionary<(Guid Oid, Guid Client), HashSet<string>> _consents = new();

    /// <summary>One password for every user of this run, generated at start (a login page still needs one).</summary>
    public string Password { get; } = "Pw-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));

    /// <summary>The demo personas as users of their tenants: Contoso, Fabrikam, Microsoft and Red Hat.</summary>
    public static IdentityDirectory WithDemoPersonas()
    {
        var directory = new IdentityDirectory();
        foreach (var p in DemoPersonas.All) directory.AddUser(DirectoryUser.From(p));
        return directory;
    }

    public DirectoryUser AddUser(DirectoryUser user) => _users[user.UserName] = user;

    /// <summary>A tenant exists when one of its users or apps is registered.</summary>
    public bool KnowsTenant(Guid tid) => _users.Values.Any(u => u.TenantId == tid) || _apps.Values.Any(a => a.HomeTenant == tid);

    public DirectoryUser? FindUser(string? userName) =>
        userName is not null && _users.TryGetValue(userName.Trim(), out var u) ? u : null;

    public DirectoryUser? FindUser(Guid oid) => _users.Values.FirstOrDefault(u => u.Oid == oid);

    public AppRegistration Register(AppRegistration app) => _apps[app.ClientId] = app;

    public AppRegistration? FindApp(string? clientId) =>
        Guid.TryParse(clientId, out var id) && _apps.TryGetValue(id, out var app) ? app : null;

    public bool IsPostLogoutRedirectUri(string uri) => _apps.Values.Any(a => a.PostLogoutRedirectUris.Contains(uri));

    /// <summary>The app a resource scope names: <c>api://{id}/...</c> or <c>{id}/...</c>.</summary>
    public AppRegistration? FindResourceApp(string resource) =>
        _apps.Values.FirstOrDefault(a => string.Equals(a.ApplicationIdUri, resource, StringComparison.OrdinalIgnoreCase)
                                      || string.Equals(a.ClientId.ToString(), resource, StringComparison.OrdinalIgnoreCase));

    /// <summary>Scopes a user has consented to for a client (the delegated permissions of that user's grant).</summary>
    public bool HasConsented(Guid oid, Guid client, IEnumerable<string> scopes)
    {
        var granted = _consents.GetValueOrDefault((oid, client));
        lock (_consents) return scopes.All(s => granted?.Contains(s) == true);
    }

    public void Consent(Guid oid, Guid client, IEnumerable<string> scopes)
    {
        var granted = _consents.GetOrAdd((oid, client), _ => new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        lock (_consents) granted.UnionWith(scopes);
    }

    public void RevokeConsent(Guid oid, Guid client) => _consents.TryRemove((oid, client), out _);

    /// <summary>The claims of a user's token, as Entra ID v2.0 issues them for <paramref name="client"/>.</summary>
    public static IEnumerable<(string Type, string Value)> UserClaims(DirectoryUser user)
    {
        yield return (PortalClaimTypes.TenantId, user.TenantId.ToString());
        yield return (PortalClaimTypes.ObjectId, user.Oid.ToString());
        yield return ("sub", user.Oid.ToString("N"));
        yield return (PortalClaimTypes.Name, user.Name);
        yield return (PortalClaimTypes.PreferredUsername, user.UserName);
        yield return ("ver", "2.0");
        if (user.GlobalAdministrator) yield return (PortalClaimTypes.DirectoryRoles, DirectoryRoles.GlobalAdministrator);
        foreach (var role in user.AppRoles) yield return (PortalClaimTypes.Roles, role);
    }
}
