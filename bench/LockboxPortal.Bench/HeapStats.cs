using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace LockboxPortal.Bench;

/// <summary>
/// The managed heap of a process after a full blocking GC, from the runtime's own GC events: an EventPipe session with
/// the GCHeapCollect keyword makes the runtime collect (as dotnet-gcdump does) and its GCHeapStats event gives every
/// generation's size after it. Exact at any heap size, where a gcdump stops walking at 10,000,000 objects (5,000
/// circuits hold ~14 million), and without the heap walk's long pause.
/// </summary>
internal static class HeapStats
{
    public static async Task<long> AfterFullGcAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords), requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var result = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fullGc = false;
        source.Clr.GCStart += e => fullGc |= e.Depth == 2;
        source.Clr.GCHeapStats += e =>
        {
            if (fullGc && result.TrySetResult(e.TotalHeapSize)) _ = Task.Run(session.Stop);
        };
        var processing = Task.Run(source.Process);
        var done = await Task.WhenAny(result.Task, Task.Delay(timeout));
        if (done != result.Task)
        {
            _ = Task.Run(session.Stop);
            throw new TimeoutException($"No full GC was reported by process {pid} within {timeout.TotalSeconds:0} s.");
        }
        await Task.WhenAny(processing, Task.Delay(TimeSpan.FromSeconds(5)));
        return await result.Task;
    }
}
