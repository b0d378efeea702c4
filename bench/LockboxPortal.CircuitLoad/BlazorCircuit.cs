using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace LockboxPortal.CircuitLoad;

/// <summary>A JS interop call the server made (JS.BeginInvokeJS): what a browser would have run.</summary>
public sealed record JsCall(string Identifier, string ArgumentsJson, int ResultType);

public sealed class CircuitClientOptions
{
    /// <summary>
    /// Keep a copy of the rendered UI (<see cref="RenderedDom"/>), needed to find elements and their event handlers.
    /// Off, the circuit only acknowledges batches: what an idle user costs the client is then a connection.
    /// </summary>
    public bool TrackDom { get; init; } = true;

    /// <summary>
    /// The JSON result of a JS call, or null for JSON null. Calls that return a JS object reference get a fresh
    /// <c>{"__jsObjectId":n}</c> without asking. Default: null for everything else.
    /// </summary>
    public Func<JsCall, string?>? JsResults { get; init; }

    /// <summary>How long a wait for the UI or an event's completion may take before it fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The SignalR client's server timeout: generous, since thousands of circuits share a loaded machine.</summary>
    public TimeSpan ServerTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// One Blazor Server circuit driven over the protocol blazor.web.js speaks, without a browser:
/// <list type="number">
/// <item>GET the page with the caller's cookies; read the server component markers and persisted state
/// (<see cref="PrerenderedPage"/>);</item>
/// <item>connect to <c>/_blazor</c> (negotiate, WebSockets, hub protocol "blazorpack": <see cref="BlazorPackHubProtocol"/>);</item>
/// <item><c>StartCircuit(baseUri, uri, "[]", state)</c>, then <c>UpdateRootComponents</c> with one "add" per marker, as
/// .NET 10's blazor.web.js does (the circuit starts empty, the root components are added to it);</item>
/// <item>answer the server's JS calls (<c>JS.BeginInvokeJS</c> → <c>EndInvokeJSFromDotNet</c>), noting the renderer's
/// interop object from <c>Blazor._internal.attachWebRendererInterop</c>; root components arrive with
/// <c>JS.AttachComponent</c>;</item>
/// <item>apply each <c>JS.RenderBatch</c> to a <see cref="RenderedDom"/> and acknowledge it with
/// <c>OnRenderCompleted(batchId, null)</c> (the server stops rendering after a few unacknowledged batches);</item>
/// <item>dispatch an event as the browser's EventDelegator does: <c>BeginInvokeDotNetFromJS(callId, null,
/// "DispatchEventAsync", interopObjectId, [descriptor, eventArgs])</c>, the descriptor holding the element's event
/// handler id from the render batches; the server answers <c>JS.EndInvokeDotNet</c> once the handler finished;</item>
/// <item>navigate as the browser's router does: <c>OnLocationChanged(uri, state, intercepted)</c>; a server-side
/// NavigateTo (a JS call to navigationManager.navigateTo) is followed the same way.</item>
/// </list>
/// </summary>
public sealed class BlazorCircuit : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly CircuitClientOptions _options;
    private readonly RenderedDom _dom = new();
    private readonly object _gate = new();
    private readonly List<(Func<RenderedDom, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _calls = new();
    private readonly TaskCompletionSource<long> _interopObject = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstBatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextCallId;
    private long _nextJsObjectId;
    private readonly Uri _baseUri;
    private readonly CookieContainer _cookies;

    private BlazorCircuit(HubConnection connection, Uri baseUri, CookieContainer cookies, CircuitClientOptions options)
    {
        _connection = connection;
        _baseUri = baseUri;
        _cookies = cookies;
        _options = options;
    }

    /// <summary>The circuit's secret (StartCircuit's answer), which a reconnecting browser would present.</summary>
    public string CircuitSecret { get; private set; } = "";
    public int BatchesReceived { get; private set; }
    public long BytesReceived { get; private set; }
    /// <summary>What the server reported as JS.Error, or a failed event dispatch.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();
    /// <summary>The JS identifiers the server called, in order (for diagnosis).</summary>
    public ConcurrentQueue<string> JsCalls { get; } = new();
    public Uri Location { get; private set; } = new("about:blank");

    /// <summary>Loads <paramref name="page"/> with <paramref name="cookies"/>, starts its circuit and waits for the first render batch.</summary>
    public static async Task<BlazorCircuit> StartAsync(HttpClient http, CookieContainer cookies, Uri page, CircuitClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CircuitClientOptions();
        using var response = await http.GetAsync(page, cancellationToken);
        response.EnsureSuccessStatusCode();
        var html = await response.Content.ReadAsStringAsync(cancellationToken);
        var prerendered = PrerenderedPage.Parse(response.RequestMessage?.RequestUri ?? page, html);
        return await StartAsync(prerendered, cookies, options, cancellationToken);
    }

    /// <summary>Starts the circuit of a page already loaded (and parsed) with <paramref name="cookies"/>.</summary>
    public static async Task<BlazorCircuit> StartAsync(PrerenderedPage prerendered, CookieContainer cookies, CircuitClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CircuitClientOptions();
        var page = prerendered.Address;
        var baseUri = new Uri(page, "/");

        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseUri, "_blazor"), o =>
            {
                o.Cookies = cookies;
                o.Transports = HttpTransportType.WebSockets;
            });
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackHubProtocol());
        var connection = builder.Build();
        connection.ServerTimeout = options.ServerTimeout;
        connection.HandshakeTimeout = options.Timeout;
        var circuit = new BlazorCircuit(connection, baseUri, cookies, options) { Location = prerendered.Address };
        circuit.Register();
        try
        {
            await connection.StartAsync(cancellationToken);
            circuit.CircuitSecret = await connection.InvokeAsync<string>("StartCircuit", baseUri.ToString(), prerendered.Address.ToString(), "[]", prerendered.ApplicationState, cancellationToken)
                ?? throw new InvalidOperationException($"The server refused to start a circuit for {page}: {string.Join("; ", circuit.Errors)}");
            await connection.SendAsync("UpdateRootComponents", prerendered.AddOperationsJson(), prerendered.ApplicationState, cancellationToken);
            await circuit._firstBatch.Task.WaitAsync(options.Timeout, cancellationToken);
            return circuit;
        }
        catch
        {
            await circuit.DisposeAsync();
            throw;
        }
    }

    private void Register()
    {
        _connection.On("JS.AttachComponent", [typeof(int), typeof(string)], args =>
        {
            lock (_gate) _dom.AttachRoot((int)args[0]!, (string)args[1]!);
            return Task.CompletedTask;
        });
        _connection.On("JS.RenderBatch", [typeof(long), typeof(byte[])], async args =>
        {
            var id = (long)args[0]!;
            var data = (byte[])args[1]!;
            string? error = null;
            try
            {
                if (_options.TrackDom)
                {
                    var batch = RenderBatch.Read(data);
                    lock (_gate) _dom.Apply(batch);
                }
            }
            catch (Exception ex)
            {
                // The browser reports a batch it cannot apply the same way; the server then ends the circuit.
                error = ex.ToString();
                Errors.Enqueue($"batch {id}: {ex.Message}");
            }
            BatchesReceived++;
            BytesReceived += data.Length;
            await _connection.SendAsync("OnRenderCompleted", id, error);
            _firstBatch.TrySetResult();
            CheckWaiters();
        });
        _connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long)], async args =>
        {
            var taskId = (long)args[0]!;
            var identifier = (string)args[1]!;
            var argumentsJson = (string?)args[2] ?? "[]";
            var resultType = (int)args[3]!;
            JsCalls.Enqueue(identifier);
            string? result;
            switch (identifier)
            {
                case "Blazor._internal.attachWebRendererInterop":
                    // [rendererId, {"__dotNetObject":n}, ...]: n is the object events are dispatched to.
                    var interop = JsonNode.Parse(argumentsJson)!.AsArray()[1]!["__dotNetObject"]!.GetValue<long>();
                    _interopObject.TrySetResult(interop);
                    result = null;
                    break;
                case "Blazor._internal.navigationManager.navigateTo":
                    // The browser's router would push the address and tell the circuit, as it does here.
                    var target = new Uri(_baseUri, JsonNode.Parse(argumentsJson)!.AsArray()[0]!.GetValue<string>());
                    _ = Task.Run(() => NavigateAsync(target.ToString()));
                    result = null;
                    break;
                default:
                    result = resultType == 1
                        ? $"{{\"__jsObjectId\":{Interlocked.Increment(ref _nextJsObjectId)}}}"
                        : _options.JsResults?.Invoke(new JsCall(identifier, argumentsJson, resultType));
                    break;
            }
            if (taskId != 0)
                await _connection.SendAsync("EndInvokeJSFromDotNet", taskId, true, $"[{taskId},true,{result ?? "null"}]");
        });
        _connection.On("JS.EndInvokeDotNet", [typeof(string), typeof(bool), typeof(string)], args =>
        {
            if (_calls.TryRemove((string)args[0]!, out var call))
            {
                if ((bool)args[1]!) call.TrySetResult((string?)args[2] ?? "");
                else call.TrySetException(new InvalidOperationException($"The server failed the call: {args[2]}"));
            }
            return Task.CompletedTask;
        });
        _connection.On("JS.Error", [typeof(string)], args =>
        {
            Errors.Enqueue((string?)args[0] ?? "JS.Error");
            FailWaiters(new InvalidOperationException($"The server ended the circuit: {args[0]}"));
            return Task.CompletedTask;
        });
        _connection.Closed += ex =>
        {
            ClosedAt = DateTimeOffset.UtcNow;
            ClosedReason = ex is null ? "closed by the server (no error)" : $"{ex.GetType().Name}: {ex.Message}";
            FailWaiters(new InvalidOperationException("The circuit's connection closed.", ex));
            return Task.CompletedTask;
        };
        // The rest (JS.EndUpdateRootComponents, JS.EndLocationChanging, JS.SavePersistedState, ...) needs no answer.
        foreach (var quiet in new[] { "JS.EndUpdateRootComponents", "JS.EndLocationChanging", "JS.SavePersistedState", "JS.ReceiveByteArray" })
            _connection.On(quiet, [], _ => Task.CompletedTask);
    }

    /// <summary>Reads the current UI under the circuit's lock (batches are applied under it too).</summary>
    public T Query<T>(Func<RenderedDom, T> read)
    {
        lock (_gate) return read(_dom);
    }

    /// <summary>The first element matching <paramref name="match"/>, or null.</summary>
    public RenderedNode? Find(Func<RenderedNode, bool> match) => Query(d => d.Elements().FirstOrDefault(match));

    public RenderedNode? FindByTestId(string testId) => Find(e => e["data-testid"] == testId);

    public string TextOf(RenderedNode node) => Query(d => d.TextOf(node));

    /// <summary>Completes when <paramref name="condition"/> holds for the UI (checked now and after every batch).</summary>
    public Task WaitForAsync(Func<RenderedDom, bool> condition, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_dom)) return Task.CompletedTask;
            _waiters.Add((condition, done));
        }
        return done.Task.WaitAsync(_options.Timeout, cancellationToken);
    }

    private void CheckWaiters()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                bool met;
                try { met = _waiters[i].Condition(_dom); }
                catch (Exception) { met = false; } // a condition reading a half-built page simply is not met yet
                if (!met) continue;
                (ready ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        ready?.ForEach(r => r.TrySetResult());
    }

    private void FailWaiters(Exception ex)
    {
        List<TaskCompletionSource> all;
        lock (_gate) { all = _waiters.Select(w => w.Done).ToList(); _waiters.Clear(); }
        all.ForEach(w => w.TrySetException(ex));
        foreach (var call in _calls.Values) call.TrySetException(ex);
    }

    /// <summary>A click on <paramref name="element"/>'s onclick handler; completes once it is sent (wait for its effect with <see cref="WaitForAsync"/>).</summary>
    public Task ClickAsync(RenderedNode element, CancellationToken cancellationToken = default) =>
        DispatchAsync(element, "onclick", "click",
            """{"type":"click","detail":1,"screenX":0,"screenY":0,"clientX":0,"clientY":0,"offsetX":0,"offsetY":0,"pageX":0,"pageY":0,"movementX":0,"movementY":0,"button":0,"buttons":0,"ctrlKey":false,"shiftKey":false,"altKey":false,"metaKey":false}""",
            fieldValue: null, cancellationToken);

    /// <summary>A change (a select picked, an input committed) to <paramref name="value"/>.</summary>
    public Task ChangeAsync(RenderedNode element, string value, CancellationToken cancellationToken = default) =>
        DispatchAsync(element, "onchange", "change", JsonSerializer.Serialize(new { value }), value, cancellationToken);

    /// <summary>An input event (each keystroke of a text field) with the field's new <paramref name="value"/>.</summary>
    public Task InputAsync(RenderedNode element, string value, CancellationToken cancellationToken = default) =>
        DispatchAsync(element, "oninput", "input", JsonSerializer.Serialize(new { value }), value, cancellationToken);

    private async Task DispatchAsync(RenderedNode element, string attribute, string eventName, string eventArgsJson, string? fieldValue, CancellationToken cancellationToken)
    {
        ulong handler;
        lock (_gate)
            if (!element.Handlers.TryGetValue(attribute, out handler))
                throw new InvalidOperationException($"{element} has no {attribute} handler.");
        var interop = await _interopObject.Task.WaitAsync(_options.Timeout, cancellationToken);
        // The browser sends the element's new value with change/input events so the server's copy of the tree matches.
        var fieldInfo = fieldValue is null ? "null" : JsonSerializer.Serialize(new { componentId = element.ComponentId, fieldValue });
        var descriptor = $"{{\"eventHandlerId\":{handler},\"eventName\":\"{eventName}\",\"eventFieldInfo\":{fieldInfo}}}";
        var callId = Interlocked.Increment(ref _nextCallId).ToString(CultureInfo.InvariantCulture);
        var call = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _calls[callId] = call;
        // Like the browser, the click does not wait for the handler: a handler that opens a dialog finishes only when
        // the dialog closes. A handler that fails is reported in Errors.
        _ = call.Task.ContinueWith(t => Errors.Enqueue($"{eventName} on {element}: {t.Exception?.InnerException?.Message}"), CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await _connection.SendAsync("BeginInvokeDotNetFromJS", callId, null, "DispatchEventAsync", interop, $"[{descriptor},{eventArgsJson}]", cancellationToken);
    }

    /// <summary>What the browser's router tells the circuit after following a link (<paramref name="address"/> relative to the base or absolute).</summary>
    public async Task NavigateAsync(string address, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(_baseUri, address);
        Location = uri;
        await _connection.SendAsync("OnLocationChanged", uri.ToString(), null, true, cancellationToken);
    }

    public bool IsConnected => _connection.State == HubConnectionState.Connected;

    /// <summary>When and why the connection closed (null while open): the server's close, a timeout, a transport error.</summary>
    public DateTimeOffset? ClosedAt { get; private set; }

    public string? ClosedReason { get; private set; }

    /// <summary>
    /// Leaves as a browser tab does: <c>POST _blazor/disconnect</c> with the circuit's secret (blazor.web.js sends it as a
    /// beacon on unload), so the server ends the circuit at once instead of keeping it for a reconnect (up to 3 minutes,
    /// live subscriptions included), then closes the connection.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _calls.Clear(); // handlers still running (an open dialog) are not errors of a circuit that is left
        FailWaiters(new ObjectDisposedException(nameof(BlazorCircuit)));
        if (CircuitSecret is { } secret && IsConnected)
        {
            try
            {
                // With the session's cookies, as the browser's beacon carries them: the endpoint is behind sign-in.
                var address = new Uri(_baseUri, "_blazor/disconnect");
                using var request = new HttpRequestMessage(HttpMethod.Post, address)
                {
                    Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("circuitId", secret)]),
                };
                request.Headers.Add("Cookie", _cookies.GetCookieHeader(address));
                using var response = await Disconnects.SendAsync(request);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The portal is gone or busy: the circuit ends with its connection, after the server's retention.
            }
        }
        await _connection.DisposeAsync();
    }

    private static readonly HttpClient Disconnects = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseCookies = false, AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
}
