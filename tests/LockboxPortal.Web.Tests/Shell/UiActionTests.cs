using Bunit;
using LockboxPortal.Application.Common;
using LockboxPortal.Application.ServicePrincipals;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace LockboxPortal.Web.Tests.Shell;

public sealed class UiActionTests : PortalTestContext
{
    /// <summary>A page's Save button the way the portal's pages write it: a MudButton disabled while busy, one call through the helper.</summary>
    private sealed class SaveButton : ComponentBase
    {
        [Inject] public UiAction Act { get; set; } = default!;
        [Parameter] public Func<Task> Call { get; set; } = () => Task.CompletedTask;
        [Parameter] public bool Inline { get; set; }
        public int Calls { get; private set; }

        protected override void OnInitialized() => Act.ShowsErrorsInline = Inline;

        public Task PressAsync() => Act.RunAsync(async () => { Calls++; await Call(); }, "Saved.");

        protected override void BuildRenderTree(RenderTreeBuilder b)
        {
            b.OpenComponent<MudButton>(0);
            b.AddComponentParameter(1, nameof(MudButton.Disabled), Act.Busy);
            b.AddComponentParameter(2, nameof(MudButton.OnClick), EventCallback.Factory.Create<MouseEventArgs>(this, PressAsync));
            b.AddAttribute(3, "data-testid", "save");
            b.AddComponentParameter(4, nameof(MudButton.ChildContent), (RenderFragment)(c => c.AddContent(0, "Save")));
            b.CloseComponent();
            if (Act.Error is { } error)
            {
                b.OpenElement(5, "p");
                b.AddAttribute(6, "data-testid", "error");
                b.AddContent(7, error);
                b.CloseElement();
            }
        }
    }

    private IReadOnlyList<Snackbar> Snackbars => Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToList();

    public static TheoryData<string, string> Refusals => new()
    {
        { "validation", UserMessages.FieldsNeedAttention },
        { "forbidden", "Only a Global Administrator of this tenant can do this." },
        { "not found", "There is no such request." },
        { "conflict", "This request was already denied by Adam Price at 2026-12-01 10:00 UTC; you cannot approve it." },
        { "lifecycle", "A request that is Denied cannot be moved by approve." },
        { "too many", "You filed 10 requests in the last minute; try again in 30 seconds." },
        { "provisioning", "Microsoft Graph refused to create the application: the tenant's application quota is used up." },
        { "consent", "The portal needs your consent to call Microsoft Graph for you." },
        { "cancelled", "The operation was cancelled; nothing was changed." },
    };

    private static Exception Refusal(string kind, string message) => kind switch
    {
        "validation" => new InputValidationException("Reason", "Give the engineer a reason for the denial."),
        "forbidden" => new ForbiddenAccessException(message),
        "not found" => new NotFoundException(message),
        "conflict" => new ConflictException(message),
        "lifecycle" => new LifecycleException(message),
        "too many" => new TooManyRequestsException(message, TimeSpan.FromSeconds(30)),
        "provisioning" => new ProvisioningException(message),
        "consent" => new ConsentRequiredException(message),
        "cancelled" => new OperationCanceledException(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_known_refusal_is_said_in_its_own_words_and_the_button_works_again(string kind, string expected)
    {
        Render<MudSnackbarProvider>();
        var cut = Render<SaveButton>(p => p.Add(x => x.Call, () => throw Refusal(kind, expected)));

        cut.Find("[data-testid=save]").Click();

        var shown = Assert.Single(Snackbars);
        Assert.Equal(expected, shown.Message);
        Assert.Equal(Severity.Warning, shown.Severity);
        Assert.Equal(expected, cut.Find("[data-testid=error]").TextContent);
        Assert.False(cut.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.Equal(kind == "validation" ? "Give the engineer a reason for the denial." : null, cut.Instance.Act.FieldErrors.For("Reason"));
    }

    [Fact]
    public void A_success_says_so_and_forgets_the_previous_refusal()
    {
        Render<MudSnackbarProvider>();
        var fail = true;
        var cut = Render<SaveButton>(p => p.Add(x => x.Call, () => fail ? throw new ConflictException("Changed meanwhile.") : Task.CompletedTask));
        cut.Find("[data-testid=save]").Click();
        Assert.Single(cut.FindAll("[data-testid=error]"));

        fail = false;
        cut.Find("[data-testid=save]").Click();

        Assert.Empty(cut.FindAll("[data-testid=error]"));
        Assert.Null(cut.Instance.Act.Refused);
        Assert.Equal(["Changed meanwhile.", "Saved."], Snackbars.Select(s => s.Message));
        Assert.Equal(Severity.Success, Snackbars[1].Severity);
    }

    [Fact]
    public void A_refusal_shown_beside_the_action_is_not_also_a_snackbar()
    {
        var cut = Render<SaveButton>(p => p
            .Add(x => x.Inline, true)
            .Add(x => x.Call, () => throw new ForbiddenAccessException("Only approvers can do this.")));

        cut.Find("[data-testid=save]").Click();

        Assert.Equal("Only approvers can do this.", cut.Find("[data-testid=error]").TextContent);
        Assert.Empty(Snackbars);
    }

    [Fact]
    public void An_unexpected_exception_is_not_swallowed_but_reaches_the_page_error_boundary()
    {
        Render<MudSnackbarProvider>();
        var page = Render<PageErrorBoundary>(p => p.AddChildContent<SaveButton>(b =>
            b.Add(x => x.Call, () => throw new TimeoutException("Execution Timeout Expired (simulated database timeout)"))));

        page.Find("[data-testid=save]").Click();

        Assert.Single(page.FindAll("[data-testid=page-error]"));
        Assert.DoesNotContain("TimeoutException", page.Markup);
        Assert.Empty(Snackbars);
    }

    [Fact]
    public void An_unexpected_exception_outside_a_boundary_propagates_to_the_caller()
    {
        var cut = Render<SaveButton>(p => p.Add(x => x.Call, () => throw new InvalidOperationException("A bug.")));

        var thrown = Assert.Throws<InvalidOperationException>(() => cut.InvokeAsync(cut.Instance.PressAsync).GetAwaiter().GetResult());

        Assert.Equal("A bug.", thrown.Message);
        Assert.False(cut.Instance.Act.Busy);
        Assert.Null(cut.Instance.Act.Error);
    }

    [Fact]
    public async Task While_a_call_runs_its_button_is_disabled_and_enabled_again_after()
    {
        var release = new TaskCompletionSource();
        var cut = Render<SaveButton>(p => p.Add(x => x.Call, () => release.Task));

        cut.Find("[data-testid=save]").Click();

        Assert.True(cut.Find("[data-testid=save]").HasAttribute("disabled"));
        Assert.True(cut.Instance.Act.Busy);
        await cut.InvokeAsync(release.SetResult);
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=save]").HasAttribute("disabled")));
    }

    [Fact]
    public async Task A_second_click_while_the_first_call_runs_does_nothing()
    {
        Render<MudSnackbarProvider>();
        var release = new TaskCompletionSource();
        var cut = Render<SaveButton>(p => p.Add(x => x.Call, () => release.Task));

        // Both clicks reach the server before the disabled button reaches the browser, as in a fast double click.
        var first = cut.InvokeAsync(cut.Instance.PressAsync);
        var second = cut.InvokeAsync(cut.Instance.PressAsync);
        await second;

        Assert.False(first.IsCompleted);
        Assert.Equal(1, cut.Instance.Calls);
        await cut.InvokeAsync(release.SetResult);
        await first;
        Assert.Equal(1, cut.Instance.Calls);
        Assert.Equal(["Saved."], Snackbars.Select(s => s.Message));

        await cut.InvokeAsync(cut.Instance.PressAsync);
        Assert.Equal(2, cut.Instance.Calls);
    }
}
