using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LockboxPortal.EndToEnd.Tests.MultiInstance;

/// <summary>
/// One portal instance as a deployer runs it: <c>dotnet LockboxPortal.Web.dll</c> from its build folder, with its
/// settings on the command line, on its own loopback port. Its console output is kept line by line; it is
/// stopped by its process id (SIGKILL), never by name.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private PortalProcess(string name, int port, Process process) => (Name, Port, _process) = (name, port, process);

    public string Name { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Where the build put the portal: recorded in this assembly by LockboxPortal.EndToEnd.Tests.csproj.</summary>
    public static string PortalAssemblyPath { get; } = typeof(PortalProcess).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PortalWebPath").Value ?? "";

    public IReadOnlyList<string> Output
    {
        get { lock (_output) return [.. _output]; }
    }

    public string Tail(int lines = 40) => string.Join('\n', Output.TakeLast(lines));

    /// <summary>
    /// Starts the instance and waits until it says it listens on its port and <c>/health/live</c> answers (or the
    /// process exits, which fails with its output). A free port is only free until somebody takes it: when another
    /// server bound it first, the instance starts again on another port, and nothing else answering there counts.
    /// </summary>
    /// <param name="pickPort">Where the next attempt listens: a free loopback port unless a test says otherwise.</param>
    public static async Task<PortalProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings, TimeSpan timeout,
        Func<int>? pickPort = null)
    {
        if (!File.Exists(PortalAssemblyPath))
            throw new InvalidOperationException($"The portal is not built at {PortalAssemblyPath}; build LockboxPortal.sln first.");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(name, settings, timeout, (pickPort ?? FreePort)());
            }
            catch (PortTakenException) when (attempt < 3)
            {
            }
        }
    }

    private sealed class PortTakenException(string message) : InvalidOperationException(message);

    private static async Task<PortalProcess> StartOnceAsync(string name, IReadOnlyDictionary<string, string> settings, TimeSpan timeout, int port)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(PortalAssemblyPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(PortalAssemblyPath);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        // The persona sign-in exists only in Development; nothing else of the developer's machine may leak in.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var variable in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "Database__Provider", "ConnectionStrings__Lockbox", "Redis__Configuration" })
            start.Environment.Remove(variable);

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var portal = new PortalProcess(name, port, process);
        process.OutputDataReceived += (_, e) => portal.Receive(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Receive(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // the last lines of its output
                var message = $"Portal {name} exited at start with code {process.ExitCode}:\n{portal.Tail()}";
                await portal.DisposeAsync();
                if (portal.Count("already in use") > 0) throw new PortTakenException(message); // the portal says so, and exits with 2
                throw new InvalidOperationException(message);
            }
            try
            {
                if (portal.Count($"Now listening on: {portal.BaseUrl}") > 0
                    && (await http.GetAsync($"{portal.BaseUrl}/health/live")).StatusCode == HttpStatusCode.OK) return portal;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        await portal.DisposeAsync();
        throw new InvalidOperationException($"Portal {name} did not answer /health/live within {timeout.TotalSeconds:0} s:\n{portal.Tail()}");
    }

    /// <summary>SIGKILL by process id: no shutdown code runs, its circuits and claims are simply gone.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public int Count(string text) => Output.Count(l => l.Contains(text, StringComparison.Ordinal));

    private void Receive(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        try { await KillAsync(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
