using System.Net;
using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Notifications;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Application.Users;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using MailboxPage = LockboxPortal.Web.Components.Pages.Mailbox.Mailbox;

namespace LockboxPortal.Web.Tests.Mailbox;

public sealed class MailboxPageTests : PortalTestContext
{
    private readonly FakeEnvironment _environment = new();

    public MailboxPageTests() => Services.AddSingleton<IWebHostEnvironment>(_environment);

    private async Task<AccessRequestDto> FileAndDeliverAsync(string justification)
    {
        // The mailbox is to show one email, the approvers': Uma, who opens the ticket, turned her own off.
        await As(DemoPersonas.Uma, async sp =>
        {
            await sp.GetRequiredService<UserPreferencesService>().SetOpenerNotificationsAsync(DemoPersonas.Uma.Oid, false);
            return 0;
        });
        var ticket = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
            "Cluster API unreachable", "The API server answers 503 since the upgrade.", Domain.Tickets.TicketSeverity.A,
            "Azure Red Hat OpenShift", null, "Microsoft")));
        var request = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(
            Scenario.Request(ticket.Number) with { Justification = justification }));
        Assert.Equal(1, (await Services.GetRequiredService<OutboxDispatcher>().RunOnceAsync()).Sent);
        return request;
    }

    [Fact]
    public async Task In_development_the_mailbox_lists_the_approvers_email_and_shows_it_without_running_its_html()
    {
        var r = await FileAndDeliverAsync("Read the logs. <script>alert('x')</script>");
        var id = (await Services.GetRequiredService<IDevelopmentMailbox>().ListAsync(10)).Single().Id;
        SignInAs(DemoPersonas.Carol);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<MailboxPage>());
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=mailbox-item]").Count == 1, cut.Markup), TimeSpan.FromSeconds(10));
        cut.Dispose();
        cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<MailboxPage>(c => c.Add(x => x.Id, id)));

        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=mailbox-item]").Count == 1, cut.Markup), TimeSpan.FromSeconds(10));
        Assert.Contains(r.TicketNumber, cut.Find("[data-testid=mailbox-subject]").TextContent);
        Assert.Contains("carol.diaz@contoso.com", cut.Find("[data-testid=mailbox-to]").TextContent);
        var frame = cut.Find("[data-testid=mailbox-html]");
        Assert.Equal("", frame.GetAttribute("sandbox"));
        Assert.Contains($"https://lockbox.test/lockbox/requests/{r.Id}", frame.GetAttribute("srcdoc"));
        Assert.DoesNotContain("<script>", frame.GetAttribute("srcdoc"));
        Assert.Empty(cut.FindAll("script"));
    }

    [Fact]
    public async Task Outside_development_the_mailbox_is_not_found()
    {
        await FileAndDeliverAsync("Read the API server logs to find the cause.");
        _environment.EnvironmentName = Environments.Production;
        SignInAs(DemoPersonas.Carol);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<MailboxPage>());

        Assert.Empty(cut.FindAll("[data-testid=mailbox-item]"));
        Assert.DoesNotContain("Mailbox", cut.Markup);
    }

    private sealed class FakeEnvironment : IWebHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "LockboxPortal.Web";
        public string WebRootPath { get; set; } = "";
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

/// <summary>The running portal: a request filed in the real host reaches the Development mailbox page.</summary>
[Collection(PortalHosts.Name)]
public sealed class MailboxHostTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Filing_a_request_in_the_running_portal_puts_the_approvers_email_in_the_mailbox_page()
    {
        // A long poll interval: the email can only arrive this fast because the commit wakes the dispatcher.
        await using var factory = new PortalWebFactory(new Dictionary<string, string?> { ["Email:PollInterval"] = "00:05:00" });
        var client = await factory.SignInAsync(DemoPersonas.Carol);
        AccessRequestDto request;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var user = scope.ServiceProvider.GetRequiredService<Application.Security.CurrentUser>();
            user.Set(DemoPersonas.Principal(DemoPersonas.Uma));
            var ticket = await scope.ServiceProvider.GetRequiredService<TicketService>().OpenAsync(new OpenTicketCommand(
                "Cluster API unreachable", "The API server answers 503 since the upgrade.", Domain.Tickets.TicketSeverity.A,
                "Azure Red Hat OpenShift", null, "Microsoft"));
            user.Set(DemoPersonas.Principal(DemoPersonas.Mia));
            request = await scope.ServiceProvider.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number));
        }

        // The dispatcher worker is woken by the commit; its signal here is the .eml file appearing.
        var mailbox = factory.Services.GetRequiredService<IDevelopmentMailbox>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MailboxItem? item = null;
        while (item is null && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            item = (await mailbox.ListAsync(50)).FirstOrDefault(i => i.Subject.Contains(request.TicketNumber) && i.To.Contains("carol.diaz@contoso.com"));
            if (item is null) await Task.Delay(50);
        }
        Assert.NotNull(item);
        output.WriteLine($"Commit to .eml in the pickup folder: {clock.ElapsedMilliseconds} ms");
        Assert.Contains("carol.diaz@contoso.com", item.To);

        var html = await client.GetStringAsync($"/mailbox/{item.Id}");
        Assert.Contains(WebUtility.HtmlEncode(item.Subject), html);
        Assert.Contains("<iframe sandbox srcdoc=", html); // a sandbox with no permissions: no scripts, forms or navigation
    }
}
