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

    public int Port { get; } = FreePort();

    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    public Task InitializeAsync() => StartAsync();

    public async Task StartAsync()
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
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited at start with code {_process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"redis-server did not listen on port {Port} within 5 s.");
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
