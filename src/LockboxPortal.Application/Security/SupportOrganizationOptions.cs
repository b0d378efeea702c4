namespace LockboxPortal.Application.Security;

/// <summary>A support organization whose engineers sign in from their own tenant.</summary>
public sealed class SupportOrganization
{
    public string Name { get; set; } = "";
    public Guid TenantId { get; set; }

    /// <summary>Products whose tickets go to this organization unless the customer picks another.</summary>
    public List<string> Products { get; set; } = [];
}

public sealed class SupportOrganizationsOptions
{
    public const string Section = "SupportOrganizations";
    public List<SupportOrganization> Organizations { get; set; } = [];

    public SupportOrganization? ByTenant(Guid tenantId) => Organizations.FirstOrDefault(o => o.TenantId == tenantId);

    public SupportOrganization? ByName(string? name) =>
        Organizations.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));

    public SupportOrganization? ForProduct(string product) =>
        Organizations.FirstOrDefault(o => o.Products.Contains(product, StringComparer.OrdinalIgnoreCase));

    public IEnumerable<string> AllProducts => Organizations.SelectMany(o => o.Products).Distinct(StringComparer.OrdinalIgnoreCase);
}
