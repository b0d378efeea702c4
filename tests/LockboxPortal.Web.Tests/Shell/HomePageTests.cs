using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Components.Pages;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Web.Tests.Shell;

public sealed class HomePageTests : PortalTestContext
{
    private async Task FilePendingRequestAsync(DemoPersona customer, DemoPersona engineer, string organization)
    {
        var ticket = await As(customer, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", Domain.Tickets.TicketSeverity.A,
            "Azure Red Hat OpenShift", null, organization)));
        await As(engineer, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number)));
    }

    [Fact]
    public async Task An_approver_sees_the_pending_count_of_their_tenant_only()
    {
        await FilePendingRequestAsync(DemoPersonas.Uma, DemoPersonas.Mia, "Microsoft");
        await FilePendingRequestAsync(DemoPersonas.Fiona, DemoPersonas.Ravi, "Red Hat");
        await FilePendingRequestAsync(DemoPersonas.Fiona, DemoPersonas.Ravi, "Red Hat");
        SignInAs(DemoPersonas.Adam);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<Home>());

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=pending-count]").TextContent));
        Assert.NotNull(cut.Find("[data-testid=home-approver]"));
        Assert.Equal("On", cut.Find("[data-testid=lockbox-state]").TextContent);
    }

    [Fact]
    public void An_engineer_gets_the_engineer_home()
    {
        SignInAs(DemoPersonas.Mia);
        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<Home>());
        cut.WaitForAssertion(() => Assert.Contains("Support engineer at Microsoft", cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=lockbox-state]"));
        Assert.Empty(cut.FindAll("[data-testid=home-admin]"));
    }
}
