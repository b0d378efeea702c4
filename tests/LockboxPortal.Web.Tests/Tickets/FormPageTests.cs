using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Administration;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Components.Pages.Tickets;
using LockboxPortal.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Tickets;

public sealed class FormPageTests : PortalPageTest
{
    private void Providers()
    {
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
    }

    [Fact]
    public async Task Opening_a_ticket_with_bad_input_shows_messages_by_the_fields()
    {
        SignInAs(DemoPersonas.Uma);
        Providers();
        var cut = Render<NewTicket>();
        cut.Find("input[data-testid=ticket-title]").Input("Hi");
        cut.Find("textarea[data-testid=ticket-description]").Input("short");
        cut.Find("[data-testid=submit-ticket]").Click();

        cut.WaitForAssertion(() => Assert.Contains("title of at least 5 characters", cut.Markup));
        Assert.Contains("at least 10 characters", cut.Markup);
        var tickets = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().ListAsync(new TicketListQuery()));
        Assert.Equal(0, tickets.TotalCount);
    }

    [Fact]
    public void Administration_rendered_for_a_user_without_the_role_shows_no_switch_because_the_service_refuses()
    {
        SignInAs(DemoPersonas.Uma);
        Providers();
        var snackbar = Render<MudSnackbarProvider>();
        var cut = Render<LockboxAdministration>();
        cut.WaitForAssertion(() => Assert.Contains("Only a Global Administrator", snackbar.Markup));
        Assert.Empty(cut.FindAll("[data-testid=lockbox-switch]"));
    }

    [Fact]
    public void Administration_shows_the_switch_and_alternate_emails_to_a_global_administrator()
    {
        SignInAs(DemoPersonas.Carol);
        Providers();
        var cut = Render<LockboxAdministration>();
        cut.WaitForAssertion(() => Assert.Contains("Customer Lockbox for Contoso", cut.Markup));
        Assert.Single(cut.FindAll("input[data-testid=lockbox-switch]"));
        cut.Find("textarea[data-testid=alternate-emails]").Change("secops@contoso.com\nnot an address");
        cut.Find("[data-testid=save-emails]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Not a valid email address: not an address", cut.Markup));
    }

    [Fact]
    public async Task Invisible_text_in_the_forms_is_refused_by_its_field_and_nothing_is_stored()
    {
        SignInAs(DemoPersonas.Uma);
        Providers();
        var form = Render<NewTicket>();
        form.Find("input[data-testid=ticket-title]").Input("\u200B\u200B\u200B\u200B\u200B\u200B");
        form.Find("textarea[data-testid=ticket-description]").Input("The API answers 503 \u202Egnp.exe\u202C since noon.");
        form.Find("[data-testid=submit-ticket]").Click();
        form.WaitForAssertion(() => Assert.Contains("title of at least 5 characters", form.Markup));
        Assert.Contains("reorder how text is shown", form.Markup);
        var tickets = await As(DemoPersonas.Uma, sp => sp.GetRequiredService<TicketService>().ListAsync(new TicketListQuery()));
        Assert.Equal(0, tickets.TotalCount);

        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Mia);
        var request = Render<RequestAccess>(p => p.Add(x => x.Id, ticket.Id));
        request.WaitForAssertion(() => request.Find("[data-testid=submit-request]"));
        request.Find("input[data-testid=subscription]").Input("3f2a1c4e-8b7d-4e6f-9a0b-1c2d3e4f5a6b");
        request.Find("textarea[data-testid=justification]").Input("Need\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B it");
        request.Find("[data-testid=submit-request]").Click();
        request.WaitForAssertion(() => Assert.Contains("at least 10 characters", request.Markup));
        var mine = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxQueries>().ListAsync(new RequestListQuery()));
        Assert.Equal(0, mine.TotalCount);
    }
}
