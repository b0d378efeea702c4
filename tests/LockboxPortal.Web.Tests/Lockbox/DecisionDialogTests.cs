using System.Data.Common;
using Bunit;
using LockboxPortal.Application.Lockbox;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Infrastructure.Persistence;
using LockboxPortal.Tests.Support;
using LockboxPortal.Web.Components.Pages.Lockbox;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Lockbox;

/// <summary>Once armed, every write to the requests table fails the way a database timeout does.</summary>
internal sealed class RequestWritesTimeOut : DbCommandInterceptor
{
    public volatile bool Armed;

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        Armed && command.CommandText.Contains("UPDATE \"AccessRequests\"", StringComparison.Ordinal)
            ? throw new TimeoutException("Execution Timeout Expired (simulated database timeout)")
            : base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
}

public sealed class DecisionDialogTests : PortalPageTest
{
    private readonly RequestWritesTimeOut _timeouts = new();
    private IRenderedComponent<MudPopoverProvider>? _popover;

    public DecisionDialogTests()
    {
        Services.ConfigureDbContext<LockboxDbContext>(o => o.AddInterceptors(_timeouts));
    }

    private static DecisionKind Kind(string name) => name switch
    {
        "approve" => DecisionKind.Approve,
        "deny" => DecisionKind.Deny,
        "revoke" => DecisionKind.Revoke,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Opens the dialog the way the request page does; the task is the page's view of the outcome.</summary>
    private async Task<(IRenderedComponent<MudDialogProvider> Dialog, Task<AccessRequestDto?> Outcome)> ShowAsync(DecisionKind kind, AccessRequestDto request)
    {
        _popover = Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        Task<AccessRequestDto?> outcome = null!;
        await provider.InvokeAsync(() => { outcome = DecisionDialog.ShowAsync(Services.GetRequiredService<IDialogService>(), kind, request); });
        provider.WaitForAssertion(() => provider.Find($"[data-testid={kind.Name}-dialog]"));
        return (provider, outcome);
    }

    private async Task<AccessRequestDto> ApprovedContosoRequestAsync() =>
        await Decide(DemoPersonas.Carol, async s => await s.ApproveAsync((await PendingContosoRequestAsync()).Id, new ApproveCommand()));

    [Theory]
    [InlineData("approve", "Comment for the engineer (optional)", "approve-comment", "Approve", "success", "will get access to")]
    [InlineData("deny", "Reason (required)", "deny-reason", "Deny", "error", "will not get access")]
    [InlineData("revoke", "Reason (required)", "revoke-reason", "Revoke access", "error", "ends now instead of at")]
    public async Task Each_kind_shows_its_own_words_fields_and_button(string name, string label, string textId, string confirm, string colour, string summary)
    {
        var kind = Kind(name);
        var request = kind == DecisionKind.Revoke ? await ApprovedContosoRequestAsync() : await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);

        var (cut, _) = await ShowAsync(kind, request);

        Assert.Contains(summary, cut.Find("[data-testid=decision-summary]").TextContent);
        Assert.Contains("Mia Chen", cut.Find("[data-testid=decision-summary]").TextContent);
        Assert.Contains(label, cut.Markup);
        // The limit comes from the service's validator, not from a number in the dialog.
        Assert.Equal("1000", cut.Find($"textarea[data-testid={textId}]").GetAttribute("maxlength"));
        var button = cut.Find($"[data-testid=confirm-{name}]");
        Assert.Equal(confirm, button.TextContent.Trim());
        Assert.Contains($"mud-button-filled-{colour}", button.ClassName);
        Assert.Equal(kind.HasDuration, cut.FindAll("[data-testid=approve-duration]").Count == 1);
        Assert.Equal(name == "approve", kind.HasDuration);
    }

    [Fact]
    public async Task Revoke_without_a_reason_is_refused_by_its_field_and_the_access_stays()
    {
        var approved = await ApprovedContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        var (cut, outcome) = await ShowAsync(DecisionKind.Revoke, approved);

        cut.Find("[data-testid=confirm-revoke]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Give the engineer a reason for revoking the access.", cut.Markup));
        Assert.Single(cut.FindAll("[data-testid=revoke-dialog]"));
        Assert.Empty(cut.FindAll("[data-testid=dialog-error]"));
        Assert.False(outcome.IsCompleted);
        var stored = await Read(DemoPersonas.Adam, approved.Id);
        Assert.Equal(AccessRequestStatus.Approved, stored.Status);
        Assert.Null(stored.ClosedByName);
    }

    [Theory]
    [InlineData("deny")]
    [InlineData("revoke")]
    public async Task A_reason_over_the_validators_limit_is_refused_by_its_field_and_nothing_changes(string name)
    {
        var kind = Kind(name);
        var request = kind == DecisionKind.Revoke ? await ApprovedContosoRequestAsync() : await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        var (cut, _) = await ShowAsync(kind, request);

        // Past the browser's maxlength, as a crafted circuit message would be.
        cut.Find($"textarea[data-testid={name}-reason]").Input(new string('x', 1001));
        cut.Find($"[data-testid=confirm-{name}]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Keep the reason to 1000 characters or fewer.", cut.Markup));
        Assert.Equal(request.Status, (await Read(DemoPersonas.Adam, request.Id)).Status);
    }

    [Fact]
    public async Task Revoke_with_a_reason_ends_active_access_and_the_page_gets_the_result()
    {
        var approved = await ApprovedContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        var (cut, outcome) = await ShowAsync(DecisionKind.Revoke, approved);

        cut.Find("textarea[data-testid=revoke-reason]").Input("Incident closed; no further access needed.");
        cut.Find("[data-testid=confirm-revoke]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=revoke-dialog]")));
        var revoked = await outcome;
        Assert.Equal(AccessRequestStatus.Revoked, revoked!.Status);
        var stored = await Read(DemoPersonas.Adam, approved.Id);
        Assert.Equal(AccessRequestStatus.Revoked, stored.Status);
        Assert.Equal("Incident closed; no further access needed.", stored.ClosedReason);
        Assert.Contains(Services.GetRequiredService<ISnackbar>().ShownSnackbars, s => s.Message?.StartsWith("Access revoked", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Approve_offers_durations_from_the_minimum_up_to_what_was_asked_and_grants_the_one_chosen()
    {
        var ticket = await OpenTicketAsync(DemoPersonas.Uma);
        var request = await As(DemoPersonas.Mia, sp => sp.GetRequiredService<LockboxCommands>().FileAsync(Scenario.Request(ticket.Number, TimeSpan.FromHours(4))));
        SignInAs(DemoPersonas.Carol);
        var (cut, _) = await ShowAsync(DecisionKind.Approve, request);

        var popover = _popover!;
        cut.Find("[data-testid=approve-dialog] div.mud-select > div.mud-input-control").MouseDown();
        popover.WaitForAssertion(() => Assert.NotEmpty(popover.FindAll(".mud-list-item")));
        var offered = popover.FindAll(".mud-list-item").Select(e => e.TextContent.Trim()).ToList();
        // From Lockbox:MinAccessDuration (30 minutes) up to the 4 hours asked for; never longer.
        Assert.Equal(["30 min", "1 h", "2 h", "4 h (as requested)"], offered);

        popover.FindAll(".mud-list-item").Single(e => e.TextContent.Trim() == "2 h").Click();
        cut.Find("[data-testid=confirm-approve]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=approve-dialog]")));
        var stored = await Read(DemoPersonas.Carol, request.Id);
        Assert.Equal(TimeSpan.FromHours(2), stored.AccessEndsAt - stored.AccessStartsAt);
    }

    [Fact]
    public async Task Deny_without_a_reason_shows_the_message_by_the_field_and_changes_nothing()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var (cut, _) = await ShowAsync(DecisionKind.Deny, r);

        cut.Find("[data-testid=confirm-deny]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Give the engineer a reason for the denial.", cut.Markup));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
    }

    [Fact]
    public async Task Deny_with_a_reason_decides_the_request()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Adam);
        var (cut, _) = await ShowAsync(DecisionKind.Deny, r);

        cut.Find("textarea[data-testid=deny-reason]").Input("Send the logs through the support tool.");
        cut.Find("[data-testid=confirm-deny]").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=deny-dialog]")));
        var stored = await Read(DemoPersonas.Adam, r.Id);
        Assert.Equal(AccessRequestStatus.Denied, stored.Status);
        Assert.Equal("Send the logs through the support tool.", stored.DecisionReason);
    }

    [Fact]
    public async Task Losing_a_concurrent_decision_says_who_decided_and_how()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var (cut, _) = await ShowAsync(DecisionKind.Approve, r);

        await Decide(DemoPersonas.Adam, s => s.DenyAsync(r.Id, new DenyCommand("Denied first.")));
        cut.Find("[data-testid=confirm-approve]").Click();

        cut.WaitForAssertion(() => Assert.Contains("already denied by Adam Price", cut.Find("[data-testid=dialog-error]").TextContent));
        Assert.DoesNotContain("   at ", cut.Markup);
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.Denied, stored.Status);
    }

    [Fact]
    public async Task The_service_refuses_an_approval_whatever_the_dialog_shows()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Uma);
        var (cut, _) = await ShowAsync(DecisionKind.Approve, r);

        cut.Find("[data-testid=confirm-approve]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Only a Global Administrator or a Lockbox approver", cut.Find("[data-testid=dialog-error]").TextContent));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(AccessRequestStatus.CustomerNotified, stored.Status);
    }

    [Fact]
    public async Task Approve_offers_only_durations_up_to_what_was_requested()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        var (cut, _) = await ShowAsync(DecisionKind.Approve, r);
        cut.Find("[data-testid=confirm-approve]").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=approve-dialog]")));
        var stored = await Read(DemoPersonas.Carol, r.Id);
        Assert.Equal(stored.AccessStartsAt!.Value.AddHours(8), stored.AccessEndsAt);
    }

    [Fact]
    public async Task An_unexpected_failure_in_the_dialog_closes_it_and_reaches_the_pages_error_boundary()
    {
        var r = await PendingContosoRequestAsync();
        SignInAs(DemoPersonas.Carol);
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<PageErrorBoundary>(p => p.AddChildContent<RequestDetails>(d => d.Add(x => x.Id, r.Id)));
        page.WaitForAssertion(() => page.Find("[data-testid=approve]"));
        _timeouts.Armed = true;

        page.Find("[data-testid=approve]").Click();
        dialogs.WaitForElement("[data-testid=confirm-approve]").Click();

        // The dialog lives outside the page's boundary; the failure travels to the page, which shows the panel.
        page.WaitForAssertion(() => Assert.Matches("^[0-9]{8}-[0-9a-f]{8}$", page.Find("[data-testid=page-error-id]").TextContent));
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=approve-dialog]")));
        Assert.DoesNotContain("TimeoutException", page.Markup + dialogs.Markup + snackbars.Markup);
        Assert.Empty(Services.GetRequiredService<ISnackbar>().ShownSnackbars);
        _timeouts.Armed = false;
        Assert.Equal(AccessRequestStatus.CustomerNotified, (await Read(DemoPersonas.Carol, r.Id)).Status);
    }
}
