using System.Collections.Concurrent;
using System.Data.Common;
using Bunit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>
/// What the request page does between the confirm click and the new status on screen (docs/performance.md, "Where
/// an approve click's time goes"): the decision's own result is painted first, then history and grant are read once.
/// Ordered by what happened, not by how long it took.
/// </summary>
public sealed class ApproveClickTests : PortalPageTest
{
    private readonly ConcurrentQueue<string> _happened = new();
    private readonly ReadsOfHistory _reads;

    public ApproveClickTests()
    {
        _reads = new ReadsOfHistory(_happened);
        Services.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_reads));
    }

    /// <summary>Notes each read of a request's history (the audit entries of one target) once armed.</summary>
    private sealed class ReadsOfHistory(ConcurrentQueue<string> happened) : DbCommandInterceptor
    {
        public volatile bool Armed;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (Armed && command.CommandText.Contains("FROM \"AuditEntries\"", StringComparison.Ordinal)
                && command.CommandText.Contains("\"Target\" =", StringComparison.Ordinal))
                happened.Enqueue("history read");
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }

    private (IRenderedComponent<RequestDetails> Page, IRenderedComponent<MudDialogProvider> Dialogs) RenderPage(Guid id)
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        Render<MudSnackbarProvider>();
        return (Render<RequestDetails>(p => p.Add(x => x.Id, id)), dialogs);
    }

    [Fact]
    public async Task The_approved_status_is_painted_before_the_history_is_read_again_and_the_history_and_grant_follow()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var (page, dialogs) = RenderPage(r.Id);
        page.WaitForAssertion(() => Assert.Contains("Customer Notified", page.Find("[data-testid=request-status]").TextContent));
        page.Find("[data-testid=approve]").Click();
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=confirm-approve]"));
        page.OnMarkupUpdated += (_, _) =>
        {
            if (_reads.Armed && page.FindAll("[data-testid=request-status]") is [var status]) _happened.Enqueue("painted " + status.TextContent.Trim());
        };
        _reads.Armed = true;

        dialogs.Find("[data-testid=confirm-approve]").Click();

        page.WaitForAssertion(() =>
        {
            Assert.Contains("Approved by Carol Diaz", page.Find("[data-testid=history]").TextContent);
            Assert.StartsWith("eyJ", page.Find("[data-testid=grant-token]").TextContent);
        }, TimeSpan.FromSeconds(10));
        var order = _happened.ToList();
        var painted = order.FindIndex(e => e == "painted Approved");
        var read = order.IndexOf("history read");
        Assert.True(painted >= 0, $"Approved was never painted: {string.Join(", ", order)}");
        Assert.True(read > painted, $"the history was read before Approved was painted: {string.Join(", ", order)}");
        Assert.Contains("Approved", page.Find("[data-testid=request-status]").TextContent);
    }

    [Fact]
    public async Task A_cancelled_dialog_changes_nothing_and_the_page_shows_the_request_as_it_now_stands()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var (page, dialogs) = RenderPage(r.Id);
        page.WaitForAssertion(() => Assert.Contains("Customer Notified", page.Find("[data-testid=request-status]").TextContent));
        page.Find("[data-testid=approve]").Click();
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=cancel-approve]"));
        // Decided elsewhere while the dialog was open: the page must not keep showing the pending request.
        await Decide(DemoPersonas.Adam, s => s.DenyAsync(r.Id, new Application.Lockbox.DenyCommand("Not during the freeze.")));

        dialogs.Find("[data-testid=cancel-approve]").Click();

        page.WaitForAssertion(() => Assert.Contains("Denied", page.Find("[data-testid=request-status]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains("Not during the freeze.", page.Find("[data-testid=decision]").TextContent);
        Assert.Equal(Domain.Lockbox.AccessRequestStatus.Denied, (await Read(DemoPersonas.Carol, r.Id)).Status);
    }
}
