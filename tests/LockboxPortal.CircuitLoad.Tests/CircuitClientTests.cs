using Microsoft.Extensions.DependencyInjection;
using LockboxPortal.Domain.Lockbox;
using LockboxPortal.Web.Tests.Support;

namespace LockboxPortal.CircuitLoad.Tests;

/// <summary>
/// The protocol-level client against the real portal: circuits start from prerendered markers, render batches are
/// applied and acknowledged, clicks and changes reach the handlers whose ids the batches carried.
/// </summary>
[Collection(PortalHosts.Name)]
public sealed class CircuitClientTests : IAsyncLifetime
{
    private readonly PortalOnKestrel _portal = new();
    private PortalSession _carol = null!;

    public async Task InitializeAsync()
    {
        await _portal.InitializeAsync();
        _carol = await PortalSession.SignInAsync(_portal.BaseUri, "carol");
    }

    public async Task DisposeAsync()
    {
        _carol.Dispose();
        await _portal.DisposeAsync();
    }

    /// <summary>The first row's request (its link), which differs from page to page.</summary>
    private static string? FirstRequest(BlazorCircuit c) =>
        c.Find(e => e.Name == "a" && e["class"]?.Contains("lb-grid-link", StringComparison.Ordinal) == true)?["href"];

    private static RenderedNode Button(BlazorCircuit c, string label) =>
        c.Find(e => e.Name == "button" && e["aria-label"] == label) ?? throw new InvalidOperationException($"no {label} button");

    [Fact]
    public async Task A_circuit_starts_on_the_blade_and_its_first_batch_is_applied_and_acknowledged()
    {
        await using var circuit = await _carol.OpenAsync("lockbox");

        // The interactive layout marks itself; the rows arrive in a batch after the live render.
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true"));
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["class"]?.Contains("lb-grid-link", StringComparison.Ordinal) == true));
        Assert.True(circuit.BatchesReceived >= 1);
        Assert.True(circuit.IsConnected);
        Assert.Empty(circuit.Errors);
        // OnAfterRender runs only once the client acknowledged the batch: the layout's first-render JS call proves it.
        await WaitUntilAsync(() => circuit.JsCalls.Contains("lockboxTheme.systemDark"));
        Assert.Contains("Blazor._internal.attachWebRendererInterop", circuit.JsCalls);
        // No module import at the start: its handle's release serialized a long into every circuit's JSON metadata.
        Assert.DoesNotContain("import", circuit.JsCalls);
        // Its answer (a bool) was understood: a null there would have ended the circuit.
        await circuit.ClickAsync(circuit.Find(e => e["data-testid"] == "theme-toggle")!);
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "theme-toggle" && e["aria-label"] == "Switch to light theme"));
        Assert.True(circuit.IsConnected);
        Assert.Empty(circuit.Errors);
    }

    [Fact]
    public async Task A_click_on_next_page_brings_a_batch_with_the_next_pages_rows()
    {
        await _portal.FilePendingContosoRequestsAsync(30);
        await using var circuit = await _carol.OpenAsync("lockbox");
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true"));
        await circuit.WaitForAsync(d => d.Elements().Any(e => e.Name == "button" && e["aria-label"] == "Next page" && !e.Attributes.ContainsKey("disabled")));
        var range = circuit.FindByTestId("page-range")!;
        Assert.StartsWith("1–25", circuit.TextOf(range), StringComparison.Ordinal);
        var firstBefore = FirstRequest(circuit);
        var batchesBefore = circuit.BatchesReceived;

        await circuit.ClickAsync(Button(circuit, "Next page"));
        await circuit.WaitForAsync(d => d.TextOf(d.Elements().First(e => e["data-testid"] == "page-range")).StartsWith("26–", StringComparison.Ordinal));

        Assert.True(circuit.BatchesReceived > batchesBefore);
        Assert.NotEqual(firstBefore, FirstRequest(circuit));
        // "26–N of M": the batch brought exactly the rows the pager says the page holds.
        var last = int.Parse(System.Text.RegularExpressions.Regex.Match(circuit.TextOf(circuit.FindByTestId("page-range")!), @"^26–(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(last - 25, circuit.Query(d => Rows(d).Count()));
        Assert.Empty(circuit.Errors);
    }

    [Fact]
    public async Task An_approve_through_the_dialog_changes_the_requests_status()
    {
        var id = (await _portal.FilePendingContosoRequestsAsync(1)).Single();
        await using var circuit = await _carol.OpenAsync($"lockbox/requests/{id}");
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true"));
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "approve" && e.Handlers.ContainsKey("onclick")));

        await circuit.ClickAsync(circuit.FindByTestId("approve")!);
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "confirm-approve" && e.Handlers.ContainsKey("onclick")));
        await circuit.ClickAsync(circuit.FindByTestId("confirm-approve")!);
        await circuit.WaitForAsync(d => d.Elements().FirstOrDefault(e => e["data-testid"] == "request-status") is { } s && d.TextOf(s).Contains("Approved", StringComparison.Ordinal));

        Assert.Equal(AccessRequestStatus.Approved, (await _portal.ReadAsync(id)).Status);
        Assert.Empty(circuit.Errors);
    }

    [Fact]
    public async Task A_status_change_filters_the_rows_and_a_rows_link_navigates_to_its_request()
    {
        var id = (await _portal.FilePendingContosoRequestsAsync(1)).Single();
        await using var circuit = await _carol.OpenAsync("lockbox");
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true"));
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "status-filter" && e.Handlers.ContainsKey("onchange")));

        await circuit.ChangeAsync(circuit.FindByTestId("status-filter")!, nameof(AccessRequestStatus.CustomerNotified));
        await circuit.WaitForAsync(d => Rows(d).Any() && Rows(d).All(r => d.TextOf(r).Contains("Customer Notified", StringComparison.Ordinal)));

        // The row (its <tr> and cells) is one markup string: the client reads it and its link like the browser's DOM
        // would, and the row costs the circuit no event handler (the browser's click on a row follows its link, js/layout.js).
        var row = circuit.Find(e => e.Name == "tr" && e["data-href"] == $"/lockbox/requests/{id}")!;
        Assert.Empty(row.Handlers);
        var link = circuit.Query(_ => Descendants(row).Single(e => e.Name == "a"));
        Assert.Equal($"/lockbox/requests/{id}", link["href"]);
        Assert.Contains("lb-grid-link", link["class"], StringComparison.Ordinal);
        await circuit.NavigateAsync(link["href"]!.TrimStart('/'));
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "approve"));
        Assert.EndsWith($"/lockbox/requests/{id}", circuit.Location.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_circuit_left_like_a_browser_tab_ends_on_the_server_at_once_with_its_live_subscriptions()
    {
        var live = _portal.Services.GetRequiredService<LockboxPortal.Web.Components.Shared.SharedLiveLoads>();
        var circuit = await _carol.OpenAsync("lockbox");
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true"));
        await WaitUntilAsync(() => live.KeyCount > 0, "the blade and its badge watch their views");

        await circuit.DisposeAsync(); // POST _blazor/disconnect, then close

        // Kept for a reconnect it would hold its watches for minutes; ended, its components are disposed now.
        await WaitUntilAsync(() => live.KeyCount == 0, "the circuit's watches ended with it");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(100);
        Assert.True(condition(), what);
    }

    private static IEnumerable<RenderedNode> Descendants(RenderedNode node) => node.Children.SelectMany(Descendants).Prepend(node);

    private static IEnumerable<RenderedNode> Rows(RenderedDom d) => d.Elements().Where(e => e.Name == "tr" && e["class"]?.Contains("lb-row", StringComparison.Ordinal) == true);

    [Fact]
    public async Task A_tampered_component_descriptor_is_refused_by_the_server_and_the_start_fails()
    {
        var page = await _carol.Http.GetStringAsync(new Uri(_portal.BaseUri, "lockbox"));
        var tampered = System.Text.RegularExpressions.Regex.Replace(page, "\"descriptor\":\"CfDJ8", "\"descriptor\":\"CfDJ9");
        var prerendered = PrerenderedPage.Parse(new Uri(_portal.BaseUri, "lockbox"), tampered);
        Assert.Contains("CfDJ9", prerendered.AddOperationsJson(), StringComparison.Ordinal);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => BlazorCircuit.StartAsync(prerendered, _carol.Cookies, new CircuitClientOptions { Timeout = TimeSpan.FromSeconds(10) }));
        Assert.IsNotType<InvalidDataException>(error);
    }

    [Fact]
    public async Task A_page_without_a_signed_in_user_has_no_markers_and_says_so()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = true });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            BlazorCircuit.StartAsync(anonymous, new System.Net.CookieContainer(), new Uri(_portal.BaseUri, "account/signin")));
        Assert.Contains("no interactive server component markers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_click_on_an_element_without_a_handler_is_refused_before_anything_is_sent()
    {
        await using var circuit = await _carol.OpenAsync("lockbox");
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-testid"] == "page-range"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => circuit.ClickAsync(circuit.FindByTestId("page-range")!));
        Assert.Contains("has no onclick handler", error.Message, StringComparison.Ordinal);
        // Nothing reached the server: the circuit is still there and reported nothing.
        Assert.True(circuit.IsConnected);
        Assert.Empty(circuit.Errors);
    }

    [Fact]
    public async Task An_idle_circuit_without_a_dom_copy_still_acknowledges_its_batches()
    {
        await using var circuit = await _carol.OpenAsync("lockbox", new CircuitClientOptions { TrackDom = false });
        await WaitUntilAsync(() => circuit.JsCalls.Contains("Blazor._internal.attachWebRendererInterop") && circuit.BatchesReceived >= 1);
        Assert.Null(circuit.FindByTestId("request-grid"));
        Assert.True(circuit.IsConnected);
    }

    [Fact]
    public async Task The_interactive_blade_shows_the_prerendered_first_page_and_count_without_querying_again()
    {
        var before = (await _portal.FilePendingContosoRequestsAsync(1)).Single();
        var address = new Uri(_portal.BaseUri, "lockbox");
        var prerendered = PrerenderedPage.Parse(address, await _carol.Http.GetStringAsync(address));
        Assert.NotEqual("", prerendered.ApplicationState);
        // Filed after the prerender: a circuit that queried again would show it first; one that reuses the
        // prerendered page does not (no live update either: it happened before the circuit subscribed).
        var after = (await _portal.FilePendingContosoRequestsAsync(1)).Single();

        await using var circuit = await BlazorCircuit.StartAsync(prerendered, _carol.Cookies, new CircuitClientOptions { JsResults = PortalSession.PortalJsResults });
        await circuit.WaitForAsync(d => d.Elements().Any(e => e["data-interactive"] == "true") && NextButtonLive(d));

        Assert.Equal($"/lockbox/requests/{before}", FirstRequest(circuit));
        Assert.DoesNotContain(circuit.Query(d => Rows(d).ToList()), r => r.Children.Any(c => c.Children.Any(a => a["href"] == $"/lockbox/requests/{after}")));
        Assert.Matches(@"^1–\d+ of \d", circuit.TextOf(circuit.FindByTestId("page-range")!)); // the count came along too

        // A fresh page load shows the new request: the reuse is only from a prerender to its own circuit.
        await using var fresh = await _carol.OpenAsync("lockbox");
        await fresh.WaitForAsync(d => NextButtonLive(d));
        Assert.Equal($"/lockbox/requests/{after}", FirstRequest(fresh));
    }

    private static bool NextButtonLive(RenderedDom d) => d.Elements().Any(e => e.Name == "button" && e["aria-label"] == "Next page" && e.Handlers.ContainsKey("onclick"));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition());
    }
}
