using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace LockboxPortal.Web.Components.Layout;

/// <summary>
/// After a navigation within the circuit to another page, the new page's heading takes focus, so a screen reader
/// announces it and the keyboard starts there (what Blazor's <c>FocusOnNavigate</c> does), with two differences:
/// <list type="bullet">
/// <item>Not for the circuit's first page: that page is the document the browser just loaded, which starts at its top,
/// and the circuit comes up after the page is shown, when a keyboard user may already have moved on. That also spares
/// every circuit's start an interop round trip.</item>
/// <item>The heading's selector lives in <c>js/layout.js</c> and the call has no arguments. A string sent as an
/// argument (an <c>object</c>) made System.Text.Json build metadata for string and its ~14 interfaces in every
/// circuit's own JSRuntime options (docs/performance.md, "Sixth round").</item>
/// </list>
/// </summary>
public sealed class FocusHeadingOnNavigate : ComponentBase
{
    /// <summary>The global function in js/layout.js that focuses the page's heading.</summary>
    public const string FocusFunction = "lockboxLayout.focusHeading";

    [Inject] private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired] public Microsoft.AspNetCore.Components.RouteData RouteData { get; set; } = default!;

    private Type? _page;
    private bool _focusAfterRender;

    protected override void OnParametersSet()
    {
        if (RouteData.PageType == _page) return;
        _focusAfterRender = _page is not null;
        _page = RouteData.PageType;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_focusAfterRender) return;
        _focusAfterRender = false;
        try
        {
            await JS.InvokeVoidAsync(FocusFunction);
        }
        catch (JSDisconnectedException)
        {
            // The browser left.
        }
        catch (JSException)
        {
            // js/layout.js did not load: the page works, its heading is not focused.
        }
    }
}
