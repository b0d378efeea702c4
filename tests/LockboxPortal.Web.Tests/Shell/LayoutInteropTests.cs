using Bunit;
using LockboxPortal.Infrastructure.Demo;
using LockboxPortal.Web.Components.Layout;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.JSInterop;

namespace LockboxPortal.Web.Tests.Shell;

/// <summary>
/// What the layout asks the browser when a circuit starts and navigates: the heading's focus after a navigation within
/// the circuit (not for the document's own first page, and without arguments), and the operating system's colour
/// scheme only when the request did not already say it.
/// </summary>
public sealed class LayoutInteropTests : PortalTestContext
{
    public LayoutInteropTests()
    {
        // The layout's own code is under test here, not its menu or stylesheet links.
        ComponentFactories.AddStub<NavMenu>();
        ComponentFactories.AddStub<ThemeLinks>();
    }

    private sealed class FirstPage : ComponentBase;
    private sealed class SecondPage : ComponentBase;

    private static Microsoft.AspNetCore.Components.RouteData Route<TPage>(string? id = null) =>
        new(typeof(TPage), id is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["Id"] = id });

    private int FocusCalls => JSInterop.Invocations.Count(i => i.Identifier == FocusHeadingOnNavigate.FocusFunction);

    [Fact]
    public void The_first_page_of_a_circuit_keeps_the_browsers_focus_and_a_navigation_to_another_page_focuses_its_heading()
    {
        var cut = Render<FocusHeadingOnNavigate>(p => p.Add(c => c.RouteData, Route<FirstPage>()));
        Assert.Equal(0, FocusCalls);

        cut.Render(p => p.Add(c => c.RouteData, Route<SecondPage>()));
        var call = Assert.Single(JSInterop.Invocations, i => i.Identifier == FocusHeadingOnNavigate.FocusFunction);
        // No arguments: a string sent as one cost every circuit System.Text.Json metadata for string and its interfaces.
        Assert.Empty(call.Arguments);

        // Another record on the same page (new parameters, same page type) is not a new page.
        cut.Render(p => p.Add(c => c.RouteData, Route<SecondPage>("other")));
        Assert.Equal(1, FocusCalls);

        cut.Render(p => p.Add(c => c.RouteData, Route<FirstPage>()));
        Assert.Equal(2, FocusCalls);
    }

    [Fact]
    public void A_browser_without_the_layout_script_still_navigates()
    {
        JSInterop.SetupVoid(FocusHeadingOnNavigate.FocusFunction).SetException(new JSException("lockboxLayout is not defined"));
        var cut = Render<FocusHeadingOnNavigate>(p => p.Add(c => c.RouteData, Route<FirstPage>()));

        cut.Render(p => p.Add(c => c.RouteData, Route<SecondPage>()));

        Assert.Equal(1, FocusCalls);
        Assert.Empty(cut.Markup);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void The_layout_asks_the_browser_for_the_colour_scheme_only_when_the_request_did_not_say_it(bool hinted, bool asks)
    {
        SignInAs(DemoPersonas.Carol);
        var theme = new ThemeState(Dark: false, Chosen: false, Hinted: hinted);

        var cut = Render<CascadingAuthenticationState>(p => p.AddChildContent<CascadingValue<ThemeState>>(c => c
            .Add(v => v.Value, theme)
            .Add(v => v.IsFixed, true)
            .AddChildContent<MainLayout>()));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=theme-toggle]")));
        Assert.Equal(asks, JSInterop.Invocations.Any(i => i.Identifier == "lockboxTheme.systemDark"));
    }

    [Theory]
    [InlineData(null, null, false, false, false)]
    [InlineData("\"dark\"", null, true, false, true)]
    [InlineData("light", null, false, false, true)]
    [InlineData("\"no-preference\"", null, false, false, false)]
    [InlineData("\"light\"", "dark", true, true, false)]
    public void The_theme_is_read_from_the_choice_then_the_client_hint(string? hint, string? cookie, bool dark, bool chosen, bool hinted)
    {
        var context = new DefaultHttpContext();
        if (hint is not null) context.Request.Headers[ThemePreference.ClientHint] = hint;
        if (cookie is not null) context.Request.Headers.Cookie = $"{ThemePreference.CookieName}={cookie}";

        Assert.Equal(new ThemeState(dark, chosen, hinted), ThemePreference.Read(context));
    }
}
