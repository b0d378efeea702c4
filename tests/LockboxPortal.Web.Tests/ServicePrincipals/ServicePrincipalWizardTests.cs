using System.Reflection;
using AngleSharp.Dom;
using Bunit;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.ServicePrincipals;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.ServicePrincipals;

public sealed class ServicePrincipalWizardTests : PortalTestContext
{
    private const string Subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

    private IRenderedComponent<CascadingAuthenticationState> RenderWizard()
    {
        SignInAs(DemoPersonas.Carol);
        return Render<CascadingAuthenticationState>(p => p.AddChildContent(b =>
        {
            b.OpenComponent<MudPopoverProvider>(0);
            b.CloseComponent();
            b.OpenComponent<NewServicePrincipal>(1);
            b.CloseComponent();
        }));
    }

    private static void Next(IRenderedComponent<CascadingAuthenticationState> cut) => cut.Find("[data-testid=wizard-next]").Click();

    private static string Errors(IRenderedComponent<CascadingAuthenticationState> cut) =>
        string.Join(" | ", cut.FindAll(".mud-input-helper-text.mud-input-error, .mud-input-error").Select(e => e.TextContent.Trim()).Distinct());

    private static void ChooseLocation(IRenderedComponent<CascadingAuthenticationState> cut, string display)
    {
        // The location is the page's only select; it opens on a mouse-down of its input control.
        cut.Find("div.mud-select > div.mud-input-control").MouseDown();
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(".mud-list-item"), e => e.TextContent.Contains(display)));
        cut.FindAll(".mud-list-item").First(e => e.TextContent.Contains(display)).Click();
    }

    private static void FillResourceGroupStep(IRenderedComponent<CascadingAuthenticationState> cut, string group = "test-aro-rg")
    {
        cut.Find("#sp-subscription").Change(Subscription);
        cut.Find("#sp-resource-group").Change(group);
        ChooseLocation(cut, "East US 2");
    }

    private static void ToPrincipalStep(IRenderedComponent<CascadingAuthenticationState> cut)
    {
        Next(cut);
        FillResourceGroupStep(cut);
        Next(cut);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#sp-name")));
    }

    [Fact]
    public void The_page_is_for_global_administrators_and_opens_on_the_products_notes()
    {
        var policy = typeof(NewServicePrincipal).GetCustomAttribute<AuthorizeAttribute>()?.Policy;
        Assert.Equal(Policies.GlobalAdministrator, policy);
        Assert.Equal(Policies.GlobalAdministrator, typeof(ServicePrincipalList).GetCustomAttribute<AuthorizeAttribute>()?.Policy);

        var cut = RenderWizard();

        Assert.Contains("Service principals expire in one year unless configured for longer periods", cut.Find("[data-testid=note-expiry]").TextContent);
        Assert.Contains("rotate", cut.Find("[data-testid=note-rotation]").TextContent);
        Assert.Contains("If your VNet is in another resource group", cut.Find("[data-testid=note-vnet]").TextContent);
        Assert.Empty(cut.FindAll("#sp-subscription"));
    }

    [Fact]
    public void The_resource_group_step_holds_the_wizard_until_its_fields_are_valid()
    {
        var cut = RenderWizard();
        Next(cut);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#sp-subscription")));

        Next(cut);

        cut.WaitForAssertion(() => Assert.Contains("Enter the subscription ID.", Errors(cut)));
        Assert.Contains("Enter a resource group name.", Errors(cut));
        Assert.Contains("Choose the location of the new resource group.", Errors(cut));
        Assert.NotNull(cut.Find("#sp-subscription"));
        Assert.NotEmpty(cut.FindAll(".mud-step.mud-step-error"));
        Assert.Empty(cut.FindAll("#sp-name"));

        FillResourceGroupStep(cut);
        Next(cut);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#sp-name")));
        Assert.Empty(cut.FindAll(".mud-step.mud-step-error"));
    }

    [Theory]
    [InlineData("not-a-guid", "ok-rg", "A subscription ID is a GUID such as 0b1f6471-1bf0-4dda-aec3-cb9272f09590 (az account show --query id -o tsv).")]
    [InlineData(Subscription, "ends-in-a-period.", "A resource group name cannot end in a period.")]
    [InlineData(Subscription, "has space", "A resource group name may contain only letters, digits, underscores, hyphens, periods and parentheses.")]
    [InlineData(Subscription, "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", "A resource group name has at most 90 characters.")]
    public void Each_resource_group_rule_has_its_message(string subscription, string group, string message)
    {
        var cut = RenderWizard();
        Next(cut);
        cut.Find("#sp-subscription").Change(subscription);
        cut.Find("#sp-resource-group").Change(group);
        ChooseLocation(cut, "East US 2");

        Next(cut);

        cut.WaitForAssertion(() => Assert.Contains(message, Errors(cut)));
        Assert.Empty(cut.FindAll("#sp-name"));
    }

    [Fact]
    public void An_existing_resource_group_needs_no_location()
    {
        var cut = RenderWizard();
        Next(cut);
        cut.FindAll("input.mud-radio-input")[1].Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=sp-location]")));
        cut.Find("#sp-subscription").Change(Subscription);
        cut.Find("#sp-resource-group").Change("shared-rg");

        Next(cut);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#sp-name")));
    }

    [Theory]
    [InlineData("", "", "1", "Enter a name for the service principal.")]
    [InlineData("aro-sp", "/subscriptions/x/resourceGroups/vnet", "1", "A further scope must look like /subscriptions/{subscription-id}/resourceGroups/{name}.")]
    [InlineData("aro-sp", "/subscriptions/" + Subscription + "/resourceGroups/test-aro-rg", "1", "The resource group's own scope is assigned already; remove it from the further scopes.")]
    [InlineData("aro-sp", "/subscriptions/" + Subscription + "/resourceGroups/v\n/subscriptions/" + Subscription + "/resourceGroups/V", "1", "Each further scope may be listed once.")]
    [InlineData("aro-sp", "", "0", "Choose a lifetime of 1 to 2 years.")]
    [InlineData("aro-sp", "", "3", "Choose a lifetime of 1 to 2 years.")]
    public void Each_service_principal_rule_has_its_message(string name, string scopes, string years, string message)
    {
        var cut = RenderWizard();
        ToPrincipalStep(cut);
        cut.Find("#sp-name").Change(name);
        cut.Find("#sp-extra-scopes").Change(scopes);
        cut.Find("#sp-years").Change(years);

        Next(cut);

        cut.WaitForAssertion(() => Assert.Contains(message, Errors(cut)));
        Assert.Empty(cut.FindAll("[data-testid=az-commands]"));
    }

    [Theory]
    [InlineData("", "Choose the date the credential ends.")]
    [InlineData("2026-11-28", "Choose an end date after today.")]
    [InlineData("2028-11-29", "The end date can be at most 2 years from today.")]
    public void End_dates_have_their_messages(string date, string message)
    {
        var cut = RenderWizard();
        ToPrincipalStep(cut);
        cut.Find("#sp-name").Change("aro-sp");
        cut.FindAll("input.mud-radio-input")[1].Click(); // the step shows only its own radios: years, end date
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#sp-end-date")));
        cut.Find("#sp-end-date").Change(date);

        Next(cut);

        cut.WaitForAssertion(() => Assert.Contains(message, Errors(cut)));
    }

    [Fact]
    public async Task Review_shows_the_az_commands_and_creating_shows_the_secret_once()
    {
        var cut = RenderWizard();
        ToPrincipalStep(cut);
        Assert.Equal($"/subscriptions/{Subscription}/resourceGroups/test-aro-rg", cut.Find("[data-testid=sp-scope]").TextContent);
        cut.Find("#sp-name").Change("test-aro-SP");
        cut.Find("#sp-extra-scopes").Change($"/subscriptions/{Subscription}/resourceGroups/vnet-rg");
        Next(cut);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=az-commands]")));
        var commands = cut.Find("[data-testid=az-commands]").TextContent;
        Assert.Contains($"az group create --subscription {Subscription} -n test-aro-rg -l eastus2", commands);
        Assert.Contains($"az ad sp create-for-rbac -n \"test-aro-SP\" --role contributor --scopes \"/subscriptions/{Subscription}/resourceGroups/test-aro-rg\" \"/subscriptions/{Subscription}/resourceGroups/vnet-rg\" --years 1", commands);
        Assert.Equal("Create service principal", cut.Find("[data-testid=wizard-next]").TextContent.Trim());
        Assert.NotNull(cut.Find("[data-testid=copy-az]"));

        Next(cut);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=wizard-done]")));
        Assert.Contains("Be sure to save the Application (client) ID and the secret.", cut.Find("[data-testid=save-warning]").TextContent);
        var password = cut.Find("[data-testid=secret-password]").TextContent;
        Assert.Equal(40, password.Length);
        Assert.Contains($"\"password\": \"{password}\"", cut.Find("[data-testid=secret-json]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=wizard-next]"));

        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        var stored = await db.ServicePrincipals.Include(p => p.Credentials).SingleAsync();
        Assert.Equal(cut.Find("[data-testid=secret-appid]").TextContent, stored.AppId.ToString());
        Assert.DoesNotContain(password, stored.Credentials.Single().SecretHash);

        // Clicking copy hands exactly the secret to the clipboard.
        cut.Find("[data-testid=copy-password]").Click();
        Assert.Contains(JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText" && Equals(i.Arguments[0], password));

        // A fresh render (a reload) has no trace of it.
        await DisposeComponentsAsync();
        var again = RenderWizard();
        Assert.DoesNotContain(password, again.Markup);
    }

    [Fact]
    public async Task A_name_in_use_is_refused_on_review_and_the_wizard_stays_put()
    {
        await As(DemoPersonas.Carol, sp => sp.GetRequiredService<ServicePrincipalService>().CreateAsync(new CreateServicePrincipalCommand
        {
            SubscriptionId = Subscription, ResourceGroupName = "other-rg", Location = "westeurope", DisplayName = "test-aro-SP",
        }));
        var cut = RenderWizard();
        ToPrincipalStep(cut);
        cut.Find("#sp-name").Change("test-aro-SP");
        Next(cut);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=az-commands]")));

        Next(cut);

        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Find("[data-testid=wizard-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=wizard-done]"));
        Assert.NotNull(cut.Find("[data-testid=wizard-next]"));
    }

    [Theory]
    [InlineData("aro\" ; touch PWNED ; echo \"")]
    [InlineData("aro $(touch PWNED) `touch PWNED` ${HOME}")]
    [InlineData("it's aro's \\ \"sp\" !!")]
    [InlineData("aro-sp (prod)")]
    public async Task The_az_commands_pass_any_display_name_to_the_shell_as_one_argument_and_run_nothing_else(string name)
    {
        var cut = RenderWizard();
        ToPrincipalStep(cut);
        cut.Find("#sp-name").Change(name);
        Next(cut);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=az-commands]")));
        var commands = cut.Find("[data-testid=az-commands]").TextContent;

        // The commands as a user pastes them into bash, with az replaced by a function that prints its arguments.
        var directory = Path.Combine(Path.GetTempPath(), "lockbox-az-quoting", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash") { WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true };
            using var bash = System.Diagnostics.Process.Start(start)!;
            await bash.StandardInput.WriteLineAsync("az() { printf '<%s>\\n' \"$@\"; }");
            await bash.StandardInput.WriteLineAsync(commands);
            bash.StandardInput.Close();
            var printed = await bash.StandardOutput.ReadToEndAsync();
            await bash.WaitForExitAsync();

            Assert.Contains($"<-n>\n<{name}>\n<--role>", printed);
            Assert.Contains("<test-aro-rg>", printed);
            Assert.False(File.Exists(Path.Combine(directory, "PWNED")), "pasting the commands ran a command hidden in the name");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
