using LockboxPortal.Application.Common;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static LockboxPortal.Infrastructure.Demo.DemoPersonas;

namespace LockboxPortal.Tests.Tickets;

public sealed class TicketServiceTests : IAsyncLifetime
{
    private readonly PortalFixture _f = new();

    public Task InitializeAsync() => _f.InitializeAsync();
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private Task<T> Tickets<T>(DemoPersona? who, Func<TicketService, Task<T>> call) => _f.As(who, sp => call(sp.GetRequiredService<TicketService>()));

    [Fact]
    public async Task A_customer_opens_a_ticket_that_goes_to_the_products_organization_and_its_engineer()
    {
        var t = await Tickets(Uma, s => s.OpenAsync(new OpenTicketCommand("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift")));

        Assert.Equal("Red Hat", t.AssignedOrganization);
        Assert.Equal(Ravi.Oid, t.AssignedEngineerOid);
        Assert.Equal(TicketStatus.Open, t.Status);
        Assert.Matches("^261128[0-9]{10}$", t.Number);
        Assert.Equal("Contoso", t.TenantName);
    }

    [Fact]
    public async Task The_customer_may_choose_the_organization()
    {
        var t = await Tickets(Uma, s => s.OpenAsync(new OpenTicketCommand("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift", null, "Microsoft")));
        Assert.Equal("Microsoft", t.AssignedOrganization);
        Assert.Equal(Mia.Oid, t.AssignedEngineerOid);
    }

    [Fact]
    public async Task Tickets_rotate_round_robin_through_the_organizations_engineers()
    {
        var second = new DemoPersona("sam", "Sam Okafor", "sam@support.microsoft.com", Guid.NewGuid(), MicrosoftTenant, "Microsoft", "Engineer", false, AppRoles.Engineer);
        await _f.As(second, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(Principal(second)));

        var assigned = new List<Guid?>();
        for (var i = 0; i < 4; i++)
        {
            assigned.Add((await _f.OpenTicketAsync(Uma)).AssignedEngineerOid);
            _f.Time.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(2, assigned.Count(a => a == Mia.Oid));
        Assert.Equal(2, assigned.Count(a => a == second.Oid));
        Assert.NotEqual(assigned[0], assigned[1]);
        Assert.Equal(assigned[0], assigned[2]);
    }

    [Fact]
    public async Task Engineers_list_only_their_assigned_tickets_and_customers_only_their_tenants()
    {
        var contoso = await _f.OpenTicketAsync(Uma);
        var fabrikam = await _f.OpenTicketAsync(Fiona, "Red Hat");

        var mia = await Tickets(Mia, s => s.ListAsync(new TicketListQuery()));
        Assert.Equal(contoso.Id, Assert.Single(mia.Items).Id);
        var ravi = await Tickets(Ravi, s => s.ListAsync(new TicketListQuery()));
        Assert.Equal(fabrikam.Id, Assert.Single(ravi.Items).Id);
        var frank = await Tickets(Frank, s => s.ListAsync(new TicketListQuery()));
        Assert.Equal(fabrikam.Id, Assert.Single(frank.Items).Id);

        await Assert.ThrowsAsync<NotFoundException>(() => Tickets(Frank, s => s.GetAsync(contoso.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => Tickets(Ravi, s => s.GetAsync(contoso.Id)));
    }

    [Fact]
    public async Task Engineers_and_anonymous_callers_cannot_open_tickets()
    {
        var cmd = new OpenTicketCommand("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift");
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Tickets(Mia, s => s.OpenAsync(cmd)));
        await Assert.ThrowsAsync<ForbiddenAccessException>(() => Tickets(null, s => s.OpenAsync(cmd)));
    }

    public static TheoryData<OpenTicketCommand, string> BadTickets => new()
    {
        { new("Hi", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift"), "Title" },
        { new("Two\nlines", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift"), "Title" },
        { new("Router pods restart", "short", TicketSeverity.B, "Red Hat OpenShift"), "Description" },
        { new("Router pods restart", "Router pods restart every few minutes.", (TicketSeverity)9, "Red Hat OpenShift"), "Severity" },
        { new("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Windows 95"), "Product" },
        { new("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift", "not/an/id"), "ResourceId" },
        { new("Router pods restart", "Router pods restart every few minutes.", TicketSeverity.B, "Red Hat OpenShift", null, "Acme"), "SupportOrganization" },
    };

    [Theory]
    [MemberData(nameof(BadTickets))]
    public async Task Bad_ticket_input_is_refused_by_field(OpenTicketCommand cmd, string field)
    {
        var ex = await Assert.ThrowsAsync<InputValidationException>(() => Tickets(Uma, s => s.OpenAsync(cmd)));
        Assert.Contains(field, ex.Errors.Keys);
        Assert.Equal(0, (await Tickets(Uma, s => s.ListAsync(new TicketListQuery()))).TotalCount);
    }
}
