using Bunit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Audit;
using LockboxPortal.Web.Tests.Support;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Audit;

public sealed class AuditPageTests : PortalPageTest
{
    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task The_audit_log_lists_the_tenants_entries_for_an_approver()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        Providers();
        var cut = Render<AuditLog>();
        cut.WaitForAssertion(() => Assert.Contains("request.filed", cut.Markup));
        Assert.Contains(r.Id.ToString(), cut.Markup);
    }

    [Fact]
    public async Task The_audit_log_of_another_tenant_shows_nothing_of_Contoso()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Frank);
        Providers();
        var cut = Render<AuditLog>();
        cut.WaitForAssertion(() => Assert.Contains("Audit log", cut.Markup));
        Assert.DoesNotContain(r.Id.ToString(), cut.Markup);
    }

    [Fact]
    public async Task Verification_reports_an_intact_chain_to_a_global_administrator()
    {
        await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<AuditVerification>();
        cut.Find("[data-testid=audit-verify]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Intact", cut.Find("[data-testid=audit-verify-result]").TextContent));
    }
}
