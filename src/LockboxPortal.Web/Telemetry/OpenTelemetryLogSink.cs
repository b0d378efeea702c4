using System.Collections.Concurrent;
using OpenTelemetry.Logs;
using Serilog.Core;
using Serilog.Events;

namespace LockboxPortal.Web.Telemetry;

/// <summary>
/// Hands Serilog's events to OpenTelemetry's logger provider. Serilog replaces the logging factory (it writes
/// the console and the files), so OpenTelemetry's provider would otherwise never see a log line. Events keep
/// their message template, properties and exception, and the trace they were written in (the sink runs on the
/// caller's thread, where the current activity is). Serilog picks the sink up from the container
/// (<c>ReadFrom.Services</c>), so the logging set-up does not change.
/// </summary>
internal sealed class OpenTelemetryLogSink(IServiceProvider services) : ILogEventSink
{
    private const string DefaultCategory = "LockboxPortal";

    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    private ILoggerProvider? _provider;
    private int _state; // 0 not resolved, 1 resolving, 2 resolved

    public void Emit(LogEvent logEvent)
    {
        if (Provider() is not { } provider) return;
        var category = logEvent.Properties.TryGetValue("SourceContext", out var source) && source is ScalarValue { Value: string name }
            ? name : DefaultCategory;
        var logger = _loggers.GetOrAdd(category, provider.CreateLogger);
        var level = Level(logEvent.Level);
        if (!logger.IsEnabled(level)) return;

        var state = new List<KeyValuePair<string, object?>>(logEvent.Properties.Count + 1);
        foreach (var (key, value) in logEvent.Properties)
            state.Add(new(key, value is ScalarValue scalar ? scalar.Value : value.ToString()));
        state.Add(new("{OriginalFormat}", logEvent.MessageTemplate.Text));
        logger.Log(level, default, state, logEvent.Exception, (_, _) => logEvent.RenderMessage());
    }

    /// <summary>
    /// Resolved on first use, not in the constructor: Serilog builds this sink while the container is creating
    /// the logger factory, and OpenTelemetry's provider (its exporters' HTTP clients) needs that factory. Events
    /// written while the provider is being built, including any it writes itself, are not forwarded.
    /// </summary>
    private ILoggerProvider? Provider()
    {
        if (Volatile.Read(ref _state) == 2) return _provider;
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) return null;
        ILoggerProvider? provider = null;
        try
        {
            provider = services.GetServices<ILoggerProvider>().OfType<OpenTelemetryLoggerProvider>().FirstOrDefault();
        }
        catch (InvalidOperationException)
        {
            // An event written on the thread that is still building the logger factory: the container refuses
            // the circular resolution. Drop this event and resolve again on a later one.
        }
        finally
        {
            // Only a provider found settles it; otherwise a later event tries again, so one early event can
            // never switch log export off for the life of the process.
            _provider = provider;
            Volatile.Write(ref _state, provider is null ? 0 : 2);
        }
        return provider;
    }

    private static LogLevel Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => LogLevel.Trace,
        LogEventLevel.Debug => LogLevel.Debug,
        LogEventLevel.Information => LogLevel.Information,
        LogEventLevel.Warning => LogLevel.Warning,
        LogEventLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };
}
