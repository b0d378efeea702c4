using LockboxPortal.Application.ServicePrincipals;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LockboxPortal.Tests.ServicePrincipals;

public sealed class NamingRuleTests
{
    private static readonly CreateServicePrincipalValidator Validator =
        new(new FakeTimeProvider(Support.PortalFixture.Start), Options.Create(new ServicePrincipalOptions()));

    private static Dictionary<string, string[]> Errors(CreateServicePrincipalCommand cmd) =>
        Validator.Validate(cmd).Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).ToArray());

    [Theory]
    [InlineData("a")]
    [InlineData("test-aro-rg")]
    [InlineData("rg_1.(prod)")]
    [InlineData("Ressourcengruppe-äöü")]
    [InlineData("日本語グループ")]
    public void Valid_resource_group_names_pass(string name)
    {
        Assert.True(AzureNames.IsResourceGroupName(name));
        Assert.False(Errors(SpTestData.Command(group: name)).ContainsKey("ResourceGroupName"));
    }

    [Fact]
    public void Ninety_characters_pass_and_ninety_one_do_not()
    {
        Assert.False(Errors(SpTestData.Command(group: new string('r', 90))).ContainsKey("ResourceGroupName"));
        Assert.Equal(["A resource group name has at most 90 characters."], Errors(SpTestData.Command(group: new string('r', 91)))["ResourceGroupName"]);
    }

    [Theory]
    [InlineData("", "Enter a resource group name.")]
    [InlineData("ends-in-a-period.", "A resource group name cannot end in a period.")]
    [InlineData("has space", "A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")]
    [InlineData("slash/rg", "A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")]
    [InlineData("star*", "A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")]
    [InlineData("hash#rg", "A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")]
    public void Invalid_resource_group_names_say_why(string name, string message)
    {
        Assert.False(AzureNames.IsResourceGroupName(name));
        Assert.Contains(message, Errors(SpTestData.Command(group: name))["ResourceGroupName"]);
    }

    [Theory]
    [InlineData("", "Enter the subscription ID.")]
    [InlineData("my-subscription", "A subscription ID is a GUID such as 0b1f6471-1bf0-4dda-aec3-cb9272f09590 (az account show --query id -o tsv).")]
    [InlineData("00000000-0000-0000-0000-000000000000", "A subscription ID is a GUID such as 0b1f6471-1bf0-4dda-aec3-cb9272f09590 (az account show --query id -o tsv).")]
    public void Subscription_ids_are_guids(string subscription, string message) =>
        Assert.Equal([message], Errors(SpTestData.Command() with { SubscriptionId = subscription })["SubscriptionId"]);

    [Fact]
    public void A_new_group_needs_a_known_region_and_an_existing_one_needs_none()
    {
        Assert.Equal(["Choose the location of the new resource group."], Errors(SpTestData.Command() with { Location = "" })["Location"]);
        Assert.Equal(["'mars' is not an Azure region; choose one from the list."], Errors(SpTestData.Command() with { Location = "mars" })["Location"]);
        Assert.Empty(Errors(SpTestData.Command() with { Location = "", ResourceGroupMode = ResourceGroupMode.Existing }));
        Assert.Empty(Errors(SpTestData.Command() with { Location = "EastUS2" }));
    }

    [Fact]
    public void The_service_principal_name_is_required_single_line_and_bounded()
    {
        Assert.Equal(["Enter a name for the service principal."], Errors(SpTestData.Command(name: ""))["DisplayName"]);
        Assert.Equal(["A service principal name has at most 120 characters."], Errors(SpTestData.Command(name: new string('n', 121)))["DisplayName"]);
        Assert.Equal(["The service principal name must be a single line without control characters."], Errors(SpTestData.Command(name: "a\nb"))["DisplayName"]);
    }

    [Fact]
    public void Further_scopes_are_resource_group_scopes_listed_once_beside_the_main_one()
    {
        var main = $"/subscriptions/{SpTestData.Subscription}/resourceGroups/test-aro-rg";
        var vnet = $"/subscriptions/{SpTestData.Subscription}/resourceGroups/vnet-rg";
        Assert.Empty(Errors(SpTestData.Command() with { ExtraScopes = [vnet, ""] }));
        Assert.Equal(["A further scope must look like /subscriptions/{subscription-id}/resourceGroups/{name}."],
            Errors(SpTestData.Command() with { ExtraScopes = ["/subscriptions/x/resourceGroups/vnet-rg"] })["ExtraScopes"]);
        Assert.Equal(["The resource group's own scope is assigned already; remove it from the further scopes."],
            Errors(SpTestData.Command() with { ExtraScopes = [main] })["ExtraScopes"]);
        Assert.Equal(["Each further scope may be listed once."], Errors(SpTestData.Command() with { ExtraScopes = [vnet, vnet.ToUpperInvariant()] })["ExtraScopes"]);
        var many = Enumerable.Range(1, 6).Select(i => $"/subscriptions/{SpTestData.Subscription}/resourceGroups/rg{i}").ToList();
        Assert.Equal(["Add at most 5 further scopes."], Errors(SpTestData.Command() with { ExtraScopes = many })["ExtraScopes"]);
    }

    [Fact]
    public void The_review_shows_the_equivalent_az_commands()
    {
        var cmd = SpTestData.Command();
        cmd.ExtraScopes.Add($"/subscriptions/{SpTestData.Subscription}/resourceGroups/vnet-rg");
        Assert.Equal(
            $"az group create --subscription {SpTestData.Subscription} -n test-aro-rg -l eastus2\n" +
            $"az ad sp create-for-rbac -n \"test-aro-SP\" --role contributor --scopes \"/subscriptions/{SpTestData.Subscription}/resourceGroups/test-aro-rg\" " +
            $"\"/subscriptions/{SpTestData.Subscription}/resourceGroups/vnet-rg\" --years 1",
            cmd.AzCliEquivalent(Support.PortalFixture.Start));

        var existing = SpTestData.Command() with { ResourceGroupMode = ResourceGroupMode.Existing };
        existing.Lifetime = new CredentialLifetime { Kind = CredentialLifetimeKind.EndDate, EndDate = new DateOnly(2027, 6, 30) };
        Assert.Equal($"az ad sp create-for-rbac -n \"test-aro-SP\" --role contributor --scopes \"/subscriptions/{SpTestData.Subscription}/resourceGroups/test-aro-rg\" --end-date 2027-06-30",
            existing.AzCliEquivalent(Support.PortalFixture.Start));
    }
}
