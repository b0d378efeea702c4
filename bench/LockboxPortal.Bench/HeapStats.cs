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
    /// <summary>The heap after a full blocking GC: its size (with the free space between objects) and the live bytes.</summary>
    public readonly record struct AfterGc(long TotalHeap, long Live);

    /// <summary>
    /// Live = the bytes that survived the full GC (every generation's promoted size, as the event reports it): what the
    /// objects hold, as a gcdump counts it. The total heap also counts the free space left between them, which moves by
    /// tens of KiB per circuit from one run to the next with how the heap happened to be compacted.
    /// </summary>
    public static async Task<AfterGc> AfterFullGcAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, keywords), requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var result = new TaskCompletionSource<AfterGc>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fullGc = false;
        source.Clr.GCStart += e => fullGc |= e.Depth == 2;
        source.Clr.GCHeapStats += e =>
        {
            if (fullGc && result.TrySetResult(new AfterGc(e.TotalHeapSize, e.TotalPromotedSize0 + e.TotalPromotedSize1 + e.TotalPromotedSize2 + e.TotalPromotedSize3 + e.TotalPromotedSize4))) _ = Task.Run(session.Stop);
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

    /// <summary>
    /// Every live object's type and size after a full blocking GC, from the heap walk the runtime reports with it (the
    /// GCBulkNode and GCBulkType events dotnet-gcdump records): bytes and count per type, exact. `dotnet-gcdump report`
    /// does not give them: its first column is the size of one object of a row, and the objects of a row (arrays,
    /// strings) differ in size, so size × count overstated a type (render-tree frame arrays: 102 KB per circuit against
    /// 54 KB counted object by object).
    /// </summary>
    public static async Task<Dictionary<string, (long Bytes, long Count)>> CensusAfterFullGcAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect | ClrTraceEventParser.Keywords.GCHeapDump
            | ClrTraceEventParser.Keywords.GCHeapAndTypeNames | ClrTraceEventParser.Keywords.Type);
        using var session = client.StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, keywords), requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        var byTypeId = new Dictionary<ulong, (long Bytes, long Count)>();
        var names = new Dictionary<ulong, string>();
        var walked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fullGc = -1;
        source.Clr.GCStart += e => { if (e.Depth == 2 && fullGc < 0) fullGc = e.Count; };
        source.Clr.GCBulkNode += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var node = e.Values(i);
                var v = byTypeId.GetValueOrDefault(node.TypeID);
                byTypeId[node.TypeID] = (v.Bytes + (long)node.Size, v.Count + 1);
            }
        };
        source.Clr.TypeBulkType += e =>
        {
            for (var i = 0; i < e.Count; i++)
            {
                var type = e.Values(i);
                names[type.TypeID] = type.TypeName;
            }
        };
        source.Clr.GCStop += e => { if (fullGc >= 0 && e.Count == fullGc) walked.TrySetResult(); };
        var processing = Task.Run(source.Process);
        var done = await Task.WhenAny(walked.Task, Task.Delay(timeout));
        // The type names of the walk may follow its GC's end: stop the session, then read the rest of the stream.
        _ = Task.Run(session.Stop);
        await Task.WhenAny(processing, Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != walked.Task) throw new TimeoutException($"No full GC with a heap walk was reported by process {pid} within {timeout.TotalSeconds:0} s.");
        var census = new Dictionary<string, (long Bytes, long Count)>();
        foreach (var (id, v) in byTypeId)
        {
            var name = names.GetValueOrDefault(id, $"type {id:x}");
            var prev = census.GetValueOrDefault(name);
            census[name] = (prev.Bytes + v.Bytes, prev.Count + v.Count);
        }
        return census;
    }
}
