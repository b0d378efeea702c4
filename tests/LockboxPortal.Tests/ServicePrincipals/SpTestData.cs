using LockboxPortal.Application.ServicePrincipals;

namespace LockboxPortal.Tests.ServicePrincipals;

internal static class SpTestData
{
    public const string Subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

    public static CreateServicePrincipalCommand Command(string name = "test-aro-SP", string group = "test-aro-rg") => new()
    {
        SubscriptionId = Subscription,
        ResourceGroupName = group,
        Location = "eastus2",
        DisplayName = name,
    };
}
