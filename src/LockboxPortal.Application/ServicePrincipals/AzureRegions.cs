namespace LockboxPortal.Application.ServicePrincipals;

public sealed record AzureRegion(string Name, string DisplayName, string Geography);

/// <summary>Azure's public regions (<c>az account list-locations</c>), the ones a resource group may be placed in.</summary>
public static class AzureRegions
{
    public static readonly IReadOnlyList<AzureRegion> All =
    [
        new("eastus", "East US", "United States"),
        new("eastus2", "East US 2", "United States"),
        new("centralus", "Central US", "United States"),
        new("northcentralus", "North Central US", "United States"),
        new("southcentralus", "South Central US", "United States"),
        new("westcentralus", "West Central US", "United States"),
        new("westus", "West US", "United States"),
        new("westus2", "West US 2", "United States"),
        new("westus3", "West US 3", "United States"),
        new("canadacentral", "Canada Central", "Canada"),
        new("canadaeast", "Canada East", "Canada"),
        new("brazilsouth", "Brazil South", "Brazil"),
        new("mexicocentral", "Mexico Central", "Mexico"),
        new("northeurope", "North Europe", "Europe"),
        new("westeurope", "West Europe", "Europe"),
        new("uksouth", "UK South", "United Kingdom"),
        new("ukwest", "UK West", "United Kingdom"),
        new("francecentral", "France Central", "France"),
        new("germanywestcentral", "Germany West Central", "Germany"),
        new("italynorth", "Italy North", "Italy"),
        new("norwayeast", "Norway East", "Norway"),
        new("polandcentral", "Poland Central", "Poland"),
        new("spaincentral", "Spain Central", "Spain"),
        new("swedencentral", "Sweden Central", "Sweden"),
        new("switzerlandnorth", "Switzerland North", "Switzerland"),
        new("uaenorth", "UAE North", "United Arab Emirates"),
        new("qatarcentral", "Qatar Central", "Qatar"),
        new("israelcentral", "Israel Central", "Israel"),
        new("southafricanorth", "South Africa North", "South Africa"),
        new("centralindia", "Central India", "India"),
        new("southindia", "South India", "India"),
        new("westindia", "West India", "India"),
        new("eastasia", "East Asia", "Asia Pacific"),
        new("southeastasia", "Southeast Asia", "Asia Pacific"),
        new("japaneast", "Japan East", "Japan"),
        new("japanwest", "Japan West", "Japan"),
        new("koreacentral", "Korea Central", "Korea"),
        new("koreasouth", "Korea South", "Korea"),
        new("australiaeast", "Australia East", "Australia"),
        new("australiasoutheast", "Australia Southeast", "Australia"),
        new("australiacentral", "Australia Central", "Australia"),
        new("newzealandnorth", "New Zealand North", "New Zealand"),
    ];

    public static AzureRegion? Find(string? name) =>
        All.FirstOrDefault(r => string.Equals(r.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
