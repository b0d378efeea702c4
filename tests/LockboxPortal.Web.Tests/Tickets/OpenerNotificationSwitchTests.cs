using Bunit;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Application.Users;
using LockboxPortal.Domain.Notifications;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Pages.Tickets;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Tickets;

/// <summary>The switch on Support tickets that turns the opener's emails off (issue 13.11).</summary>
public sealed class OpenerNotificationSwitchTests : PortalPageTest
{
    private async Task<int> OpenerMailCountAsync()
    {
        await using var db = await Services.GetRequiredService<ILockboxDbContextFactory>().CreateDbContextAsync();
        return await db.OutboxMessages.CountAsync(m => m.Kind == OutboxKinds.OpenerNotified);
    }

    private static bool IsOn(AngleSharp.Dom.IElement box) => box.HasAttribute("checked") || box.GetAttribute("aria-checked") == "true";

    private Task<bool> PreferenceOfAsync(DemoPersona who) =>
        As(who, sp => sp.GetRequiredService<UserPreferencesService>().GetOpenerNotificationsAsync());

    [Fact]
    public async Task Turning_the_switch_off_on_support_tickets_stops_the_next_requests_email_to_the_opener()
    {
        SignInAs(DemoPersonas.Uma);
        Render<MudPopoverProvider>();
        var snackbar = Render<MudSnackbarProvider>();
        var cut = Render<TicketList>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=opener-notifications]")));
        var box = cut.Find("input[data-testid=opener-notifications]");
        Assert.True(IsOn(box));
        Assert.Contains("Email me when access to my environment is requested or decided", cut.Markup);

        box.Change(false);

        cut.WaitForAssertion(() => Assert.Contains("no longer be emailed", snackbar.Markup));
        Assert.False(await PreferenceOfAsync(DemoPersonas.Uma));
        Assert.True(await PreferenceOfAsync(DemoPersonas.Carol));
        await PendingContosoRequestAsync();
        Assert.Equal(0, await OpenerMailCountAsync());
    }

    [Fact]
    public async Task Turning_it_back_on_emails_the_opener_again()
    {
        await As(DemoPersonas.Uma, async sp =>
        {
            await sp.GetRequiredService<UserPreferencesService>().SetOpenerNotificationsAsync(DemoPersonas.Uma.Oid, false);
            return 0;
        });
        SignInAs(DemoPersonas.Uma);
        Render<MudPopoverProvider>();
        var snackbar = Render<MudSnackbarProvider>();
        var cut = Render<TicketList>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("input[data-testid=opener-notifications]")));
        Assert.False(IsOn(cut.Find("input[data-testid=opener-notifications]")));

        cut.Find("input[data-testid=opener-notifications]").Change(true);

        cut.WaitForAssertion(() => Assert.Contains("You will be emailed", snackbar.Markup));
        await PendingContosoRequestAsync();
        Assert.Equal(1, await OpenerMailCountAsync());
    }
}
