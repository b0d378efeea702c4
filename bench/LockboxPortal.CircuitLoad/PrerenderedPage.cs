using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LockboxPortal.CircuitLoad;

/// <summary>
/// What a circuit needs from a prerendered page: the interactive server components' start markers
/// (<c>&lt;!--Blazor:{"type":"server","prerenderId":…,"key":…,"sequence":0,"descriptor":"CfDJ8…"}--&gt;</c>; the
/// descriptor is Data Protection–protected by the server, so the client passes it back untouched) and the persisted
/// component state (<c>&lt;!--Blazor-Server-Component-State:base64--&gt;</c>), which the server reads back when the
/// circuit starts.
/// </summary>
public sealed partial class PrerenderedPage
{
    private PrerenderedPage(Uri address, IReadOnlyList<JsonObject> markers, string applicationState)
    {
        Address = address;
        Markers = markers;
        ApplicationState = applicationState;
    }

    public Uri Address { get; }
    public IReadOnlyList<JsonObject> Markers { get; }
    public string ApplicationState { get; }

    public static PrerenderedPage Parse(Uri address, string html)
    {
        var markers = new List<JsonObject>();
        foreach (Match m in Marker().Matches(html))
        {
            // End markers carry only the prerender id; start markers carry the type and descriptor.
            if (JsonNode.Parse(m.Groups["json"].Value) is JsonObject o && o["type"]?.GetValue<string>() == "server")
                markers.Add(o);
        }
        if (markers.Count == 0)
            throw new InvalidOperationException($"{address} has no interactive server component markers: is the page prerendered with InteractiveServer, and was the request signed in?");
        var state = State().Match(html);
        return new PrerenderedPage(address, markers, state.Success ? state.Groups["state"].Value : "");
    }

    /// <summary>
    /// The first UpdateRootComponents batch blazor.web.js sends: every marker becomes an "add" operation with a
    /// client-side component id (ssrComponentId, from 1) and a unique id, in the order of the markers' sequence.
    /// </summary>
    public string AddOperationsJson()
    {
        var operations = new JsonArray();
        var ssrId = 1;
        foreach (var marker in Markers.OrderBy(m => m["sequence"]?.GetValue<int>() ?? 0))
        {
            var copy = (JsonObject)marker.DeepClone();
            copy["uniqueId"] = ssrId - 1;
            operations.Add(new JsonObject { ["type"] = "add", ["ssrComponentId"] = ssrId++, ["marker"] = copy });
        }
        return new JsonObject { ["batchId"] = 1, ["operations"] = operations }.ToJsonString(JsonOptions);
    }

    private static readonly JsonSerializerOptions JsonOptions = new();

    [GeneratedRegex(@"<!--Blazor:(?<json>\{.*?\})-->", RegexOptions.Singleline)]
    private static partial Regex Marker();

    [GeneratedRegex(@"<!--\s*Blazor-Server-Component-State:(?<state>[A-Za-z0-9+/=]+)\s*-->")]
    private static partial Regex State();
}
