using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Web.Tests.Support;

/// <summary>Setup verbs for component tests: the data a page shows, made through the real services.</summary>
public abstract class PortalPageTest : PortalTestContext
{
    protected Task<TicketDto> OpenTicketAsync(DemoPersona customer, string organization = "Microsoft") =>
        As(customer, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A,
            "Azure Red Hat OpenShift", null, organization)));

    protected async Task<AccessRequestDto> PendingContosoRequestAsync()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        return await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number)));
    }

    protected Task<AccessRequestDto> Decide(DemoPersona who, Func<LockboxCommands, Task<AccessRequestDto>> call) =>
        As(who, sp => call(sp.GetRequiredService<LockboxCommands>()));

    protected Task<AccessRequestDto> Read(DemoPersona who, Guid requestId) =>
        As(who, sp => sp.GetRequiredService<LockboxQueries>().GetAsync(requestId));
}
