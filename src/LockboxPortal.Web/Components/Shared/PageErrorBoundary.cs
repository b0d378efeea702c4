using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;

namespace LockboxPortal.Web.Components.Shared;

/// <summary>
/// Catches what a page throws (a database timeout in a handler, say) so the circuit and the rest of the layout
/// survive: the page body becomes a friendly panel with a retry and an error id, and the same id is in the log
/// with the exception, so support can find it. Retry renders the page again from scratch.
/// </summary>
public sealed class PageErrorBoundary : ErrorBoundary, IDisposable
{
    [Inject] private ILogger<PageErrorBoundary> Logger { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    /// <summary>The id shown to the user for the current error; null while the page renders normally.</summary>
    public string? ErrorId { get; private set; }

    protected override Task OnErrorAsync(Exception exception)
    {
        ErrorId = $"{Time.GetUtcNow():yyyyMMdd}-{Guid.NewGuid().ToString("N")[..8]}";
        Logger.LogError(exception, "A page failed; the user was shown error id {ErrorId}", ErrorId);
        return Task.CompletedTask;
    }

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override void OnInitialized()
    {
        base.OnInitialized();
        Navigation.LocationChanged += OnLocationChanged;
    }

    // A navigation to another page starts clean instead of showing the previous page's error.
    private void OnLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e) =>
        _ = InvokeAsync(() => { if (CurrentException is not null) Retry(); });

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;

    private void Retry()
    {
        ErrorId = null;
        Recover();
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (CurrentException is null)
        {
            builder.AddContent(0, ChildContent);
            return;
        }
        builder.OpenElement(1, "div");
        builder.AddAttribute(2, "class", "mud-alert mud-alert-outlined-error pa-4");
        builder.AddAttribute(3, "role", "alert");
        builder.AddAttribute(4, "data-testid", "page-error");
        builder.OpenElement(5, "h1");
        builder.AddAttribute(6, "class", "mud-typography mud-typography-h5 mb-2");
        builder.AddContent(7, "Something went wrong on this page");
        builder.CloseElement();
        builder.OpenElement(8, "p");
        builder.AddAttribute(9, "class", "mud-typography mud-typography-body1 mb-2");
        builder.AddContent(10, "Nothing you did was lost: the rest of the portal still works. Try again; if it keeps failing, give support this error id.");
        builder.CloseElement();
        builder.OpenElement(11, "p");
        builder.AddAttribute(12, "class", "mud-typography mud-typography-body2 mb-3");
        builder.AddContent(13, "Error id: ");
        builder.OpenElement(14, "code");
        builder.AddAttribute(15, "data-testid", "page-error-id");
        builder.AddContent(16, ErrorId);
        builder.CloseElement();
        builder.CloseElement();
        builder.OpenElement(17, "button");
        builder.AddAttribute(18, "type", "button");
        builder.AddAttribute(19, "class", "mud-button-root mud-button mud-button-filled mud-button-filled-primary mud-button-filled-size-medium mud-ripple");
        builder.AddAttribute(20, "data-testid", "page-error-retry");
        builder.AddAttribute(21, "onclick", EventCallback.Factory.Create(this, Retry));
        builder.AddContent(22, "Try again");
        builder.CloseElement();
        builder.CloseElement();
    }
}
