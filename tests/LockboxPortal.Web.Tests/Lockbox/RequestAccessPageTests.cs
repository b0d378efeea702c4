using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>The form an engineer files an access request with, from a ticket assigned to them.</summary>
public sealed class RequestAccessPageTests : PortalPageTest
{
    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task Request_access_shows_validation_messages_by_their_fields_and_files_nothing()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Mia);
        Providers();
        var cut = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=submit-request]"));

        cut.Find("input[data-testid=subscription]").Input("not-a-guid");
        cut.Find("textarea[data-testid=resource-ids]").Input("/not/a/resource");
        cut.Find("textarea[data-testid=justification]").Input("short");
        cut.Find("[data-testid=submit-request]").Click();

        cut.WaitForAssertion(() => Assert.Contains("at least 10 characters", cut.Markup));
        Assert.Contains("Enter the subscription id", cut.Markup);
        Assert.Contains("is not an Azure resource id", cut.Markup);
        var mine = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery()));
        Assert.Equal(0, mine.TotalCount);
    }

    [Fact]
    public async Task Request_access_defaults_to_eight_hours_and_files_the_request()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Mia);
        Providers();
        var cut = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));
        cut.WaitForAssertion(() => Assert.Equal("8", cut.Find("input[data-testid=duration]").GetAttribute("value")));

        cut.Find("input[data-testid=subscription]").Input("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        cut.Find("textarea[data-testid=justification]").Input("Read the API server logs to find the 503 cause.");
        cut.Find("[data-testid=submit-request]").Click();

        cut.WaitForAssertion(() => Assert.EndsWith(
            "/lockbox/requests/", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri[..^36]));
        var mine = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery()));
        var filed = Assert.Single(mine.Items);
        Assert.Equal(TimeSpan.FromHours(8), filed.RequestedDuration);
    }

    [Fact]
    public async Task An_engineer_cannot_open_the_request_form_for_someone_elses_ticket()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma, "Microsoft");
        SignInAs(DemoPersonas.Ravi);
        Providers();
        var cut = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));
        cut.WaitForAssertion(() => Assert.Contains("no such ticket assigned to you", cut.Markup));
        Assert.Empty(cut.FindAll("[data-testid=submit-request]"));
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("0.25")]
    [InlineData("25")]
    [InlineData("1000")]
    public async Task A_duration_outside_the_bounds_is_refused_with_a_message_not_clamped(string hours)
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Mia);
        Providers();
        var cut = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=submit-request]"));

        cut.Find("input[data-testid=subscription]").Input("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        cut.Find("textarea[data-testid=justification]").Input("Read the API server logs to find the 503 cause.");
        cut.Find("input[data-testid=duration]").Change(hours);
        cut.Find("[data-testid=submit-request]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Choose a duration between 30 minutes and 24 hours.", cut.Markup));
        Assert.Equal(hours, cut.Find("input[data-testid=duration]").GetAttribute("value"));
        var mine = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery()));
        Assert.Equal(0, mine.TotalCount);
    }
}
