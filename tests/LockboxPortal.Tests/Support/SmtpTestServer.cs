using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace LockboxPortal.Tests.Support;

public sealed record ReceivedMail(string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, MimeMessage Message);

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port, collecting what it accepts. Start it
/// on the same port again to model a relay that comes back after being down.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;

    private SmtpTestServer(int port, Store store)
    {
        Port = port;
        _store = store;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(store);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    private readonly Store _store;

    public int Port { get; }

    /// <summary>Everything accepted so far, in order.</summary>
    public IReadOnlyList<ReceivedMail> Received => _store.Received.ToArray();

    /// <summary>What the server answers at the end of DATA; defaults to 250 OK.</summary>
    public Func<SmtpResponse> Answer { get => _store.Answer; set => _store.Answer = value; }

    public static async Task<SmtpTestServer> StartAsync(int? port = null)
    {
        var server = new SmtpTestServer(port ?? FreePort(), new Store());
        await WaitUntilListeningAsync(server.Port);
        return server;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WaitUntilListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try { await _running.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _stop.Dispose();
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<ReceivedMail> Received { get; } = new();
        public Func<SmtpResponse> Answer { get; set; } = () => SmtpResponse.Ok;

        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var answer = Answer();
            if (answer.ReplyCode != SmtpReplyCode.Ok) return answer;
            await using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            Received.Enqueue(new ReceivedMail(
                $"{transaction.From.User}@{transaction.From.Host}",
                transaction.To.Select(t => $"{t.User}@{t.Host}").ToList(),
                message));
            return answer;
        }
    }
}

/// <summary>A "mail server" that accepts connections and then never says a word, or hangs up at once.</summary>
public sealed class MisbehavingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _held = [];
    private readonly Task _loop;

    public MisbehavingServer(bool hangUp)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                Interlocked.Increment(ref _connections);
                if (hangUp) client.Dispose(); else _held.Add(client);
            }
        });
    }

    private int _connections;

    public int Port { get; }
    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var c in _held) c.Dispose();
        try { await _loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        _stop.Dispose();
    }
}
