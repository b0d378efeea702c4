using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Security;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Domain.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LockboxPortal.Web.Tests.Shell;

/// <summary>Start-up as an operator meets it: a busy port (issue 13, point 13) and email links in Development (point 14).</summary>
[Collection(PortalHosts.Name)]
public sealed class StartupTests
{
    [Fact]
    public async Task A_busy_port_is_one_line_naming_the_port_and_how_to_choose_another_and_exit_code_2()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var data = Path.Combine(Path.GetTempPath(), "lockbox-busy-port", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "LockboxPortal.Web.dll"), "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = data,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Authentication__Mode"] = "Development";
        start.Environment["Demo__SeedData"] = "false";
        start.Environment["ConnectionStrings__Lockbox"] = $"Data Source={Path.Combine(data, "lockbox.db")}";
        start.Environment["Email__PickupDirectory"] = Path.Combine(data, "mail");
        start.Environment["DataProtection__KeysPath"] = Path.Combine(data, "keys");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
        var output = await stdout + await stderr;

        Assert.Equal(2, process.ExitCode);
        var problems = output.Split('\n').Where(l => l.Contains(" ERR]") || l.Contains(" FTL]")).ToList();
        var line = Assert.Single(problems);
        Assert.Contains($"port {port} is already in use", line);
        Assert.Contains("--urls http://localhost:", line);
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("BackgroundService", output);
    }

    [Fact]
    public async Task In_development_without_a_public_base_url_email_links_use_the_address_the_portal_listens_on()
    {
        await using var factory = new PortalWebFactory(new Dictionary<string, string?> { ["Portal:PublicBaseUrl"] = "" });
        factory.UseKestrel(0);
        factory.StartServer();
        var listening = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        Assert.Equal(listening, factory.Services.GetRequiredService<IOptionsMonitor<PortalOptions>>().CurrentValue.PublicBaseUrl);

        async Task<T> As<T>(DemoPersona persona, Func<IServiceProvider, Task<T>> action)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().Set(DemoPersonas.Principal(persona));
            return await action(scope.ServiceProvider);
        }
        var ticket = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", TicketSeverity.A, "Azure Red Hat OpenShift", null, "Microsoft")));
        var request = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number)));
        // The demo data's own emails are queued too, and the portal's own dispatcher may hold a batch
        // while it sends it: dispatch and read the mail folder until the request's email is there.
        var expected = $"{listening}/lockbox/requests/{request.Id}";
        List<string> mail = [];
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until)
        {
            await factory.Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync();
            mail = Directory.GetFiles(Path.Combine(factory.Directory, "mail"), "*.eml", SearchOption.AllDirectories)
                .Select(f => MimeKit.MimeMessage.Load(f)).Select(m => m.TextBody + m.HtmlBody).ToList();
            if (mail.Any(m => m.Contains(expected))) break;
            await Task.Delay(100);
        }
        Assert.NotEmpty(mail);
        Assert.Contains(mail, m => m.Contains(expected));
        Assert.DoesNotContain(mail, m => m.Contains("lockbox.example.com") || m.Contains("localhost:5080"));
    }

    [Fact]
    public async Task A_configured_public_base_url_wins_over_the_listening_address()
    {
        await using var factory = new PortalWebFactory(new Dictionary<string, string?> { ["Portal:PublicBaseUrl"] = "https://lockbox.contoso.test" });
        factory.UseKestrel(0);
        factory.StartServer();
        Assert.Equal("https://lockbox.contoso.test", factory.Services.GetRequiredService<IOptionsMonitor<PortalOptions>>().CurrentValue.PublicBaseUrl);
    }
}
