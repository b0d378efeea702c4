using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.Tests.Support;

/// <summary>Short verbs for the story every test needs: a customer opens a ticket, its engineer files a request.</summary>
public static class Scenario
{
    public const string Subscription = "3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
    public const string ResourceGroup = "/subscriptions/" + Subscription + "/resourceGroups/aro-prod-rg";

    public static Task<TicketDto> OpenTicketAsync(this PortalFixture f, DemoPersona customer, string organization = "Microsoft") =>
        f.As(customer, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A,
            organization == "Red Hat" ? "Red Hat OpenShift" : "Azure Red Hat OpenShift", null, organization)));

    public static FileAccessRequestCommand Request(string ticketNumber, TimeSpan? duration = null) => new(
        ticketNumber, AccessScopeKind.Subscription, Subscription, [ResourceGroup],
        "Read the API server logs to find the cause of the 503 responses.", duration);

    public static Task<AccessRequestDto> FileAsync(this PortalFixture f, DemoPersona engineer, FileAccessRequestCommand cmd) =>
        f.As(engineer, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(cmd));

    /// <summary>Contoso ticket for Mia (Microsoft) with a pending request on it.</summary>
    public static async Task<AccessRequestDto> PendingContosoRequestAsync(this PortalFixture f, TimeSpan? duration = null)
    {
        var ticket = await f.OpenTicketAsync(DemoPersonas.Uma);
        return await f.FileAsync(DemoPersonas.Mia, Request(ticket.Number, duration));
    }

    public static Task<AccessRequestDto> Lockbox(this PortalFixture f, DemoPersona? who, Func<LockboxCommands, Task<AccessRequestDto>> call) =>
        f.As(who, sp => call(sp.GetRequiredService<LockboxCommands>()));

    public static Task<AccessRequestDto> Read(this PortalFixture f, DemoPersona? who, Guid requestId) =>
        f.As(who, sp => sp.GetRequiredService<LockboxQueries>().GetAsync(requestId));
}
