using System.Net;
using System.Net.Sockets;

namespace LockboxPortal.EndToEnd.Tests.MultiInstance;

/// <summary>
/// A tiny TCP load balancer on loopback, in front of portal instances, so a browser keeps one address: every
/// connection goes to the first instance in <see cref="Backends"/> that accepts it (active/passive failover).
/// All of one browser's connections therefore land on one instance — the stickiness a Blazor circuit needs
/// (its negotiation and its WebSocket must reach the same process) — until that instance stops accepting, when
/// new connections go to the next one. Connections to a dead instance break, as they do behind a real balancer.
/// </summary>
public sealed class FailoverProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FailoverProxy(params int[] backends)
    {
        Backends = backends;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public IReadOnlyList<int> Backends { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>Connections forwarded to each backend port so far.</summary>
    public IReadOnlyDictionary<int, int> Forwarded
    {
        get { lock (_forwarded) return new Dictionary<int, int>(_forwarded); }
    }

    private readonly Dictionary<int, int> _forwarded = [];

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            foreach (var port in Backends)
            {
                var backend = new TcpClient();
                try
                {
                    await backend.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    backend.Dispose();
                    continue;
                }
                lock (_forwarded) _forwarded[port] = _forwarded.GetValueOrDefault(port) + 1;
                using (backend)
                {
                    client.NoDelay = backend.NoDelay = true;
                    var up = PumpAsync(client.GetStream(), backend.GetStream());
                    var down = PumpAsync(backend.GetStream(), client.GetStream());
                    // Either side closing (or the backend dying) ends the connection, as a balancer would.
                    await Task.WhenAny(up, down);
                }
                return;
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
