using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Infrastructure.Demo;

/// <summary>
/// Fills an empty database with the demo: personas, tenants, tickets and requests in several states.
/// It drives the real services as the personas, so audit entries and emails are what the product writes.
/// </summary>
public static class DemoDataSeeder
{
    public static async Task SeedDemoDataAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        var dbFactory = services.GetRequiredService<ILockboxDbContextFactory>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.Tenants.AnyAsync(ct)) return;
        }
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DemoDataSeeder));
        logger.LogInformation("Empty database: seeding demo data");

        foreach (var persona in DemoPersonas.All)
            await As(services, persona, sp => sp.GetRequiredService<UserProfileService>().RecordSignInAsync(DemoPersonas.Principal(persona), ct));

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // Both demo customers have switched Lockbox on, as the product recommends.
            await db.Tenants.Where(t => t.Id == DemoPersonas.ContosoTenant || t.Id == DemoPersonas.FabrikamTenant)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LockboxEnabled, true)
                    .SetProperty(t => t.LockboxChangedByName, "Demo setup")
                    .SetProperty(t => t.LockboxChangedAt, services.GetRequiredService<TimeProvider>().GetUtcNow())
                    .SetProperty(t => t.DisplayName, t => t.Id == DemoPersonas.ContosoTenant ? "Contoso" : "Fabrikam"), ct);
        }

        var contosoMs = await OpenAsync(services, DemoPersonas.Uma, "Cluster API server unreachable after upgrade",
            "Since the 4.14 upgrade the API server of aro-prod-01 answers 503 intermittently.", TicketSeverity.A, "Azure Red Hat OpenShift", "Microsoft", ct);
        var contosoRh = await OpenAsync(services, DemoPersonas.Carol, "Ingress controller drops TLS connections",
            "Router pods restart every few minutes and drop long-lived TLS connections.", TicketSeverity.B, "Red Hat OpenShift", "Red Hat", ct);
        var contosoMs2 = await OpenAsync(services, DemoPersonas.Adam, "Storage class provisioning is slow",
            "Persistent volume claims take more than ten minutes to bind.", TicketSeverity.C, "Azure Red Hat OpenShift", "Microsoft", ct);
        var fabrikamRh = await OpenAsync(services, DemoPersonas.Fiona, "Node pool scale-out fails",
            "Machine sets do not create new workers when scaling out.", TicketSeverity.B, "Red Hat OpenShift", "Red Hat", ct);
        var fabrikamMs = await OpenAsync(services, DemoPersonas.Frank, "Private cluster DNS resolution",
            "Pods cannot resolve the private endpoint of our storage account.", TicketSeverity.B, "Azure Red Hat OpenShift", "Microsoft", ct);

        const string sub = "/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
        var pending = await FileAsync(services, DemoPersonas.Mia, contosoMs, sub + "/resourceGroups/aro-prod-rg",
            "Need to read API server and etcd logs on the control plane to find the cause of the 503 responses.", ct);
        var approved = await FileAsync(services, DemoPersonas.Ravi, contosoRh, sub + "/resourceGroups/aro-prod-rg",
            "Collect router pod logs and a must-gather from the openshift-ingress namespace.", ct);
        var denied = await FileAsync(services, DemoPersonas.Mia, contosoMs2, sub + "/resourceGroups/aro-storage-rg",
            "Inspect the CSI driver configuration and disk attach operations in the storage resource group.", ct);
        var fabrikamPending = await FileAsync(services, DemoPersonas.Ravi, fabrikamRh, "/subscriptions/9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e/resourceGroups/fab-aro-rg",
            "Review machine-api controller logs to see why machine sets do not scale out.", ct);
        var withdrawn = await FileAsync(services, DemoPersonas.Mia, fabrikamMs, "/subscriptions/9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e/resourceGroups/fab-network-rg",
            "Check the private DNS zone links of the cluster virtual network.", ct);
        var toExpire = await FileAsync(services, DemoPersonas.Mia, contosoMs, sub + "/resourceGroups/aro-prod-rg",
            "Earlier attempt: collect control plane metrics for the 503 investigation.", ct);
        var toComplete = await FileAsync(services, DemoPersonas.Ravi, contosoRh, sub + "/resourceGroups/aro-prod-rg",
            "Earlier session: capture a packet trace on the router pods.", ct);

        await As(services, DemoPersonas.Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(approved, new ApproveCommand(), ct));
        await As(services, DemoPersonas.Adam, sp => sp.GetRequiredService<LockboxCommands>().DenyAsync(denied,
            new DenyCommand("Storage access is handled by our own team; please send the diagnostics you need."), ct));
        await As(services, DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().WithdrawAsync(withdrawn, ct));
        await As(services, DemoPersonas.Carol, sp => sp.GetRequiredService<LockboxCommands>().ApproveAsync(toComplete, new ApproveCommand(TimeSpan.FromHours(2)), ct));

        // History: move two requests into the past; the sweeper then records their expiry and completion.
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var r = await db.AccessRequests.SingleAsync(x => x.Id == toExpire, ct);
            r.CreatedAt -= TimeSpan.FromDays(5);
            r.PendingUntil -= TimeSpan.FromDays(5);
            var c = await db.AccessRequests.SingleAsync(x => x.Id == toComplete, ct);
            c.CreatedAt -= TimeSpan.FromDays(2);
            c.DecidedAt -= TimeSpan.FromDays(2);
            c.AccessStartsAt -= TimeSpan.FromDays(2);
            c.AccessEndsAt -= TimeSpan.FromDays(2);
            await db.SaveChangesAsync(ct);
        }
        await services.GetRequiredService<LifecycleSweeper>().SweepAsync(ct);
        logger.LogInformation("Demo data ready: pending {Pending} and {FabrikamPending}", pending, fabrikamPending);
    }

    private static async Task<Guid> OpenAsync(IServiceProvider services, DemoPersona who, string title, string description,
        TicketSeverity severity, string product, string organization, CancellationToken ct)
    {
        var ticket = await As(services, who, sp => sp.GetRequiredService<TicketService>()
            .OpenAsync(new OpenTicketCommand(title, description, severity, product, null, organization), ct));
        return ticket.Id;
    }

    private static async Task<Guid> FileAsync(IServiceProvider services, DemoPersona engineer, Guid ticketId, string resourceId, string justification, CancellationToken ct)
    {
        var request = await As(services, engineer, async sp =>
        {
            var ticket = await sp.GetRequiredService<TicketService>().GetAsync(ticketId, ct);
            var subscription = resourceId.Split('/')[2];
            return await sp.GetRequiredService<LockboxCommands>().FileAsync(new FileAccessRequestCommand(
                ticket.Number, AccessScopeKind.Subscription, subscription, [resourceId], justification), ct);
        });
        return request.Id;
    }

    private static async Task<T> As<T>(IServiceProvider services, DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }
}
