using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.CircuitLoad.Tests;

/// <summary>The whole portal (Development sign-in, demo data, its own SQLite file) on Kestrel at a free loopback port.</summary>
public sealed class PortalOnKestrel : IAsyncLifetime
{
    // The tests file more requests than one engineer may in ten minutes; the limit has its own tests.
    private readonly PortalWebFactory _factory = new(new Dictionary<string, string?> { ["RateLimits:RequestFiling:PermitLimit"] = "1000" });

    public Uri BaseUri { get; private set; } = null!;
    public IServiceProvider Services => _factory.Services;

    public Task InitializeAsync()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1").TrimEnd('/') + "/");
        return Task.CompletedTask;
    }

    /// <summary>A ticket of Uma's (Contoso) and <paramref name="count"/> pending requests Mia files on it.</summary>
    public async Task<List<Guid>> FilePendingContosoRequestsAsync(int count)
    {
        var ticket = await AsAsync(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A, "Azure Red Hat OpenShift", null, "Microsoft")));
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var filed = await AsAsync(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(new FileAccessRequestCommand(
                ticket.Number, AccessScopeKind.Subscription, "3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b",
                ["/subscriptions/3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b/resourceGroups/aro-prod-rg"],
                "Read the API server logs to find the cause of the 503 responses.", null)));
            ids.Add(filed.Id);
        }
        return ids;
    }

    public Task<AccessRequestDto> ReadAsync(Guid id) => AsAsync(DemoPersonas.Carol, sp => sp.GetRequiredService<LockboxQueries>().GetAsync(id));

    private async Task<T> AsAsync<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
        return await action(scope.ServiceProvider);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
