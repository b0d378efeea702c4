using System.Security.Claims;
using LockboxPortal.Application.Security;

namespace LockboxPortal.Infrastructure.Demo;

public sealed record DemoPersona(
    string Key,
    string Name,
    string Email,
    Guid Oid,
    Guid TenantId,
    string TenantName,
    string RoleDescription,
    bool GlobalAdministrator = false,
    params string[] AppRoles)
{
    /// <summary>Exactly the claims Entra ID would put in this user's token (short names).</summary>
    public IEnumerable<Claim> Claims()
    {
        yield return new Claim(PortalClaimTypes.TenantId, TenantId.ToString());
        yield return new Claim(PortalClaimTypes.ObjectId, Oid.ToString());
        yield return new Claim(PortalClaimTypes.Name, Name);
        yield return new Claim(PortalClaimTypes.PreferredUsername, Email);
        if (GlobalAdministrator) yield return new Claim(PortalClaimTypes.DirectoryRoles, DirectoryRoles.GlobalAdministrator);
        foreach (var role in AppRoles) yield return new Claim(PortalClaimTypes.Roles, role);
    }
}

/// <summary>The people of the demo: two customer tenants and two support organizations.</summary>
public static class DemoPersonas
{
    public static readonly Guid ContosoTenant = Guid.Parse("c0a7050c-0000-4000-8000-000000000001");
    public static readonly Guid FabrikamTenant = Guid.Parse("fab01ca0-0000-4000-8000-000000000002");
    public static readonly Guid MicrosoftTenant = Guid.Parse("5e1f0000-0000-4000-8000-00000000000a");
    public static readonly Guid RedHatTenant = Guid.Parse("4ed4a700-0000-4000-8000-00000000000b");

    public static readonly DemoPersona Carol = new("carol", "Carol Diaz", "carol.diaz@contoso.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000c1"), ContosoTenant, "Contoso", "Global Administrator", GlobalAdministrator: true);
    public static readonly DemoPersona Adam = new("adam", "Adam Price", "adam.price@contoso.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000c2"), ContosoTenant, "Contoso", "Lockbox approver", false, AppRoles.Approver);
    public static readonly DemoPersona Uma = new("uma", "Uma Reyes", "uma.reyes@contoso.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000c3"), ContosoTenant, "Contoso", "User");
    public static readonly DemoPersona Frank = new("frank", "Frank Moss", "frank.moss@fabrikam.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000f1"), FabrikamTenant, "Fabrikam", "Global Administrator", GlobalAdministrator: true);
    public static readonly DemoPersona Fiona = new("fiona", "Fiona Hale", "fiona.hale@fabrikam.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000f2"), FabrikamTenant, "Fabrikam", "User");
    public static readonly DemoPersona Mia = new("mia", "Mia Chen", "mia.chen@support.microsoft.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000e1"), MicrosoftTenant, "Microsoft", "Support engineer, Microsoft", false, AppRoles.Engineer);
    public static readonly DemoPersona Ravi = new("ravi", "Ravi Patel", "ravi.patel@support.redhat.com",
        Guid.Parse("a0000000-0000-4000-8000-0000000000e2"), RedHatTenant, "Red Hat", "Support engineer, Red Hat", false, AppRoles.Engineer);

    public static readonly IReadOnlyList<DemoPersona> All = [Carol, Adam, Uma, Frank, Fiona, Mia, Ravi];

    public static DemoPersona? Find(string? key) => All.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));

    public static ClaimsPrincipal Principal(DemoPersona p, string authenticationType = "Development") =>
        new(new ClaimsIdentity(p.Claims(), authenticationType, PortalClaimTypes.Name, PortalClaimTypes.Roles));
}
