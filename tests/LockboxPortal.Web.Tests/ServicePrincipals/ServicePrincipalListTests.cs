using Bunit;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.ServicePrincipals;
using LockboxPortal.Web.Components.Pages.ServicePrincipals;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.ServicePrincipals;

public sealed class ServicePrincipalListTests : PortalTestContext
{
    private Task<ServicePrincipalSecret> CreateAsync(DemoPersona who, string name) =>
        As(who, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(new CreateServicePrincipalCommand
        {
            SubscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590", ResourceGroupName = name + "-rg", Location = "eastus2", DisplayName = name,
        }));

    private IRenderedComponent<CascadingAuthenticationState> RenderList(DemoPersona who)
    {
        SignInAs(who);
        return Render<CascadingAuthenticationState>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<MudDialogProvider>(1);
            b.CloseComponent();
            b.OpenComponent<ServicePrincipalList>(2);
            b.CloseComponent();
        }));
    }

    [Fact]
    public async Task The_list_shows_role_scopes_end_date_and_warns_from_thirty_days_out()
    {
        await CreateAsync(DemoPersonas.Carol, "aro-sp");
        await CreateAsync(DemoPersonas.Frank, "fabrikam-sp");
        Time.Advance(TimeSpan.FromDays(365 - 31));

        var early = RenderList(DemoPersonas.Carol);
        early.WaitForAssertion(() => Assert.NotNull(early.Find("[data-testid=sp-row-aro-sp]")));
        Assert.Contains("Contributor", early.Markup);
        Assert.Contains("/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/aro-sp-rg", early.Markup);
        Assert.Equal("2027-11-28", early.Find("[data-testid=sp-ends-aro-sp]").TextContent);
        Assert.Empty(early.FindAll("[data-testid=sp-expiring-aro-sp]"));
        Assert.Empty(early.FindAll("[data-testid=sp-row-fabrikam-sp]"));

        Time.Advance(TimeSpan.FromDays(2));
        await DisposeComponentsAsync();
        var late = RenderList(DemoPersonas.Carol);
        late.WaitForAssertion(() => Assert.Equal("Expires in 29 days", late.Find("[data-testid=sp-expiring-aro-sp]").TextContent.Trim()));
    }

    [Fact]
    public async Task Rotating_shows_the_new_secret_once_and_the_old_one_stops_verifying()
    {
        var created = await CreateAsync(DemoPersonas.Carol, "aro-sp");
        var cut = RenderList(DemoPersonas.Carol);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=rotate-aro-sp]")));

        cut.Find("[data-testid=rotate-aro-sp]").Click();
        cut.Find("[data-testid=rotate-confirm]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=secret-password]")));
        var password = cut.Find("[data-testid=secret-password]").TextContent;
        Assert.NotEqual(created.Password, password);
        var local = Services.GetRequiredService<LocalDirectoryProvisioner>();
        Assert.True(await local.VerifyClientCredentialAsync(DemoPersonas.ContosoTenant, Guid.Parse(created.AppId), password));
        Assert.False(await local.VerifyClientCredentialAsync(DemoPersonas.ContosoTenant, Guid.Parse(created.AppId), created.Password));

        cut.Find("[data-testid=rotate-done]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=rotate-panel]")));
        Assert.DoesNotContain(password, cut.Markup);
    }

    [Fact]
    public async Task A_rotation_lifetime_out_of_range_is_shown_on_its_field()
    {
        await CreateAsync(DemoPersonas.Carol, "aro-sp");
        var cut = RenderList(DemoPersonas.Carol);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=rotate-aro-sp]")));
        cut.Find("[data-testid=rotate-aro-sp]").Click();
        cut.Find("#rotate-years").Change("9");

        cut.Find("[data-testid=rotate-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Choose a lifetime of 1 to 2 years.", cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=secret-password]"));
    }
}
