using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Application.Persistence;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Application.Tickets;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Components.Pages.Tickets;
using LockboxPortal.Web.Tests.Support;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>
/// The request page followed to another request inside its circuit shows nothing of the first while the second loads:
/// the database is held at the page's first read, as an asynchronous provider (SQL Server) yields there.
/// </summary>
public sealed class RequestPageNavigationTests : PortalPageTest
{
    private TaskCompletionSource? _hold;

    public RequestPageNavigationTests()
    {
        WrapDbContextFactory(real => new HeldFactory(real, () => _hold?.Task ?? Task.CompletedTask));
    }

    [Fact]
    public async Task Another_request_in_the_same_page_shows_nothing_of_the_last_while_it_loads()
    {
        var approved = await PendingContosoRequestAsync();
        await Decide(DemoPersonas.Carol, s => s.ApproveAsync(approved.Id, new ApproveCommand()));
        var pending = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        Render<MudPopoverProvider>();
        Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        var cut = Render<RequestDetails>(p => p.Add(x => x.Id, approved.Id));
        cut.WaitForAssertion(() => Assert.Equal(approved.Id.ToString(), cut.Find("[data-testid=request-id]").TextContent));
        Assert.NotEmpty(cut.FindAll("[data-status=Approved]"));

        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cut.Render(p => p.Add(x => x.Id, pending.Id));

        // Held at its first read: the page renders without the approved request's id, status or ticket.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=request-id]")));
        Assert.Empty(cut.FindAll("[data-status=Approved]"));
        Assert.DoesNotContain(approved.TicketNumber, cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=approve]"));

        _hold.SetResult();
        cut.WaitForAssertion(() => Assert.Equal(pending.Id.ToString(), cut.Find("[data-testid=request-id]").TextContent));
        Assert.NotEmpty(cut.FindAll("[data-status=CustomerNotified]"));
    }

    [Fact]
    public async Task Another_ticket_in_the_same_page_shows_nothing_of_the_last_found_or_not()
    {
        var (first, second, cut) = await TwoTicketsShowingTheFirstAsync();

        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cut.Render(p => p.Add(x => x.Id, Guid.NewGuid()));
        cut.WaitForAssertion(() => Assert.DoesNotContain(first.Number, cut.Markup));
        _hold.SetResult();
        cut.WaitForAssertion(() => Assert.Contains("Ticket not found", cut.Markup));

        // A ticket that is found after one that was not: the page shows it, not the last one's "not found".
        cut.Render(p => p.Add(x => x.Id, second.Id));
        cut.WaitForAssertion(() => Assert.Contains(second.Number, cut.Markup));
        Assert.DoesNotContain("Ticket not found", cut.Markup);
    }

    [Fact]
    public async Task A_ticket_load_that_ends_after_a_newer_one_changes_nothing()
    {
        var (first, second, cut) = await TwoTicketsShowingTheFirstAsync();

        // A missing ticket's load is held; the second ticket's, started after it, finishes first.
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = slow;
        cut.Render(p => p.Add(x => x.Id, Guid.NewGuid()));
        _hold = null;
        cut.Render(p => p.Add(x => x.Id, second.Id));
        cut.WaitForAssertion(() => Assert.Contains(second.Number, cut.Markup));

        slow.SetResult();
        await Task.Delay(200); // the held load's "not found" has had its time
        cut.WaitForAssertion(() => Assert.Contains(second.Number, cut.Markup));
        Assert.DoesNotContain("Ticket not found", cut.Markup);
    }

    /// <summary>Two tickets of Contoso, and Carol's ticket page showing the first.</summary>
    private async Task<(TicketDto First, TicketDto Second, IRenderedComponent<TicketDetails> Page)> TwoTicketsShowingTheFirstAsync()
    {
        var first = await OpenTicketAsync(DemoPersonas.Uma);
        var second = await OpenTicketAsync(DemoPersonas.Uma);
        SignInAs(DemoPersonas.Carol);
        var page = Render<TicketDetails>(p => p.Add(x => x.Id, first.Id));
        page.WaitForAssertion(() => Assert.Contains(first.Number, page.Markup));
        return (first, second, page);
    }

    private sealed class HeldFactory(ILockboxDbContextFactory inner, Func<Task> hold) : ILockboxDbContextFactory
    {
        public async Task<ILockboxDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            await hold();
            return await inner.CreateDbContextAsync(cancellationToken);
        }
    }
}
