using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>What the request page records: who decided, who ended it, and who may see its grant.</summary>
public sealed class RequestRecordPageTests : PortalPageTest
{
    private IRenderedComponent<RequestDetails> RenderDetails(Guid id)
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return Render<RequestDetails>(p => p.Add(x => x.Id, id));
    }

    [Fact]
    public async Task After_a_revocation_the_page_says_who_approved_and_separately_who_revoked()
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        await Decide(DemoPersonas.Carol, s => s.RevokeAsync(r.Id, new RevokeCommand("Ticket closed.")));
        SignInAs(DemoPersonas.Uma);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.StartsWith("Approved by Adam Price", cut.Find("[data-testid=decision]").TextContent));
        Assert.Contains("by Carol Diaz", cut.Find("[data-testid=ending]").TextContent);
        Assert.Contains("Ticket closed.", cut.Find("[data-testid=ending]").TextContent);
        Assert.DoesNotContain("Revoked by Adam", cut.Markup);
    }

    [Theory]
    [InlineData("carol", true)]
    [InlineData("mia", true)]
    [InlineData("uma", false)]
    public async Task The_grant_is_shown_to_approvers_and_the_engineer_but_not_to_other_users_of_the_tenant(string persona, bool sees)
    {
        var r = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Adam, s => s.ApproveAsync(r.Id, new ApproveCommand()));
        SignInAs(DemoPersonas.Find(persona)!);
        var cut = RenderDetails(r.Id);
        cut.WaitForAssertion(() => Assert.Contains("Approved", cut.Find("[data-testid=request-status]").TextContent));
        Assert.Equal(sees, cut.FindAll("[data-testid=grant-token]").Count == 1);
    }
}
