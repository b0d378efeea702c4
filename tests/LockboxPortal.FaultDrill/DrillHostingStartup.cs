using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

[assembly: HostingStartup(typeof(LockboxPortal.FaultDrill.DrillHostingStartup))]

namespace LockboxPortal.FaultDrill;

/// <summary>Adds the burst to the portal's own composition; nothing of the portal is replaced.</summary>
public sealed class DrillHostingStartup : IHostingStartup
{
    public void Configure(IWebHostBuilder builder) =>
        builder.ConfigureServices(services => services.AddHostedService<DecisionBurst>());
}
