using System.Collections.Concurrent;
using Bunit;
using LockboxPortal.Web.Components.Shared;
using LockboxPortal.Web.Tests.Support;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LockboxPortal.Web.Tests.Shell;

public sealed class PageErrorBoundaryTests : PortalTestContext
{
    private readonly ConcurrentQueue<(string Message, Exception? Exception)> _log = new();

    public PageErrorBoundaryTests()
    {
        Services.AddSingleton<ILogger<PageErrorBoundary>>(new QueueLogger(_log));
    }

    /// <summary>A page whose button handler fails the way a database timeout does, the first <see cref="Failures"/> times.</summary>
    private sealed class FlakyPage : ComponentBase
    {
        public static int Failures;
        private int _clicks;

        protected override void BuildRenderTree(RenderTreeBuilder b)
        {
            b.OpenElement(0, "button");
            b.AddAttribute(1, "data-testid", "load");
            b.AddAttribute(2, "onclick", EventCallback.Factory.Create(this, Load));
            b.AddContent(3, $"clicked {_clicks}");
            b.CloseElement();
        }

        private Task Load()
        {
            _clicks++;
            if (Interlocked.Decrement(ref Failures) >= 0) throw new TimeoutException("Execution Timeout Expired (simulated database timeout)");
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void A_failing_page_handler_shows_a_friendly_panel_with_an_error_id_that_is_in_the_log_and_retry_recovers()
    {
        FlakyPage.Failures = 1;
        var cut = Render<PageErrorBoundary>(p => p.AddChildContent<FlakyPage>());

        cut.Find("[data-testid=load]").Click();

        var id = cut.Find("[data-testid=page-error-id]").TextContent;
        Assert.Matches("^[0-9]{8}-[0-9a-f]{8}$", id);
        Assert.Contains("Something went wrong", cut.Find("[data-testid=page-error]").TextContent);
        Assert.DoesNotContain("TimeoutException", cut.Markup);
        Assert.DoesNotContain("   at ", cut.Markup);
        var logged = Assert.Single(_log, l => l.Message.Contains(id, StringComparison.Ordinal));
        Assert.IsType<TimeoutException>(logged.Exception);

        cut.Find("[data-testid=page-error-retry]").Click();

        Assert.Empty(cut.FindAll("[data-testid=page-error]"));
        cut.Find("[data-testid=load]").Click();
        Assert.Empty(cut.FindAll("[data-testid=page-error]"));
        Assert.Equal("clicked 1", cut.Find("[data-testid=load]").TextContent);
    }

    [Fact]
    public void Two_failures_get_two_different_error_ids()
    {
        FlakyPage.Failures = 2;
        var cut = Render<PageErrorBoundary>(p => p.AddChildContent<FlakyPage>());
        cut.Find("[data-testid=load]").Click();
        var first = cut.Find("[data-testid=page-error-id]").TextContent;
        cut.Find("[data-testid=page-error-retry]").Click();
        cut.Find("[data-testid=load]").Click();
        Assert.NotEqual(first, cut.Find("[data-testid=page-error-id]").TextContent);
    }

    private sealed class QueueLogger(ConcurrentQueue<(string, Exception?)> log) : ILogger<PageErrorBoundary>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) log.Enqueue((formatter(state, exception), exception));
        }
    }
}
