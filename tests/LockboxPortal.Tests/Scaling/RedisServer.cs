using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LockboxPortal.Tests.Scaling;

/// <summary>
/// A real redis-server (the Debian package; ./test.sh installs it) on a free loopback port, without persistence.
/// Stopped by its process id, and started again on the same port to test an outage.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; } = FreePort();

    private bool _started;

    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>
    /// Starts the server. A free port is only free until somebody takes it, and a server started by a parallel test may
    /// bind it first and answer in redis-server's place: the server counts as up when it says it is ready, and the first
    /// start moves to another port if this one was taken. A restart (the outage tests) stays on its port.
    /// </summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var taken = await StartOnceAsync();
            if (!taken) break;
            if (_started || attempt == 3) throw new InvalidOperationException($"redis-server could not bind 127.0.0.1:{Port}: the port is taken.");
            Port = FreePort();
        }
        _started = true;
    }

    public Task InitializeAsync() => StartAsync();

    /// <summary>True when the port was taken (redis-server exited saying so); false once it is ready.</summary>
    private async Task<bool> StartOnceAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
            start.ArgumentList.Add(arg);
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed: run ./test.sh (it installs the Debian package) or apt-get install redis-server.", ex);
        }
        var output = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        string Said() { lock (output) return output.ToString(); }
        for (var i = 0; i < 200; i++)
        {
            if (Said().Contains("Ready to accept connections", StringComparison.Ordinal)) return false;
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync(); // the last lines of its output
                var said = Said();
                _process.Dispose();
                _process = null;
                if (said.Contains("Address already in use", StringComparison.Ordinal)) return true;
                throw new InvalidOperationException($"redis-server exited at start: {said}");
            }
            await Task.Delay(50);
        }
        await KillAsync();
        throw new InvalidOperationException($"redis-server did not say it was ready on port {Port} within 10 s: {Said()}");
    }

    /// <summary>Kills the server (SIGKILL, by its process id) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public Task DisposeAsync() => KillAsync();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
