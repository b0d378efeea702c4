using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LockboxPortal.Tests.Audit;

/// <summary>
/// The Azure Storage emulator (npm azurite, the version in azurite.version beside this file), blob service only,
/// on a free loopback port with its data in a temporary folder. Installed into artifacts/azurite when missing
/// (./test.sh does the same on a fresh machine); started by the test set-up and stopped by its process id.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, in Azurite's documentation): not a secret.</summary>
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "lockbox-azurite", Guid.NewGuid().ToString("N"));
    private Process? _process;
    private readonly System.Text.StringBuilder _output = new();

    public int Port { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{Account};";

    public async Task InitializeAsync()
    {
        var root = RepositoryRoot();
        var version = (await File.ReadAllTextAsync(Path.Combine(root, "tests", "LockboxPortal.Tests", "Audit", "azurite.version"))).Trim();
        var prefix = Path.Combine(root, "artifacts", "azurite");
        var package = Path.Combine(prefix, "node_modules", "azurite");
        if (!File.Exists(Path.Combine(package, "package.json")) || !(await File.ReadAllTextAsync(Path.Combine(package, "package.json"))).Contains($"\"version\": \"{version}\""))
            await RunAsync("npm", ["install", "--prefix", prefix, $"azurite@{version}", "--no-audit", "--no-fund", "--silent"], TimeSpan.FromMinutes(10));

        Directory.CreateDirectory(_data);
        // A free port is only free until somebody takes it: another server started by a parallel test class may bind it
        // between our probe and Azurite's bind, and then answer in Azurite's place (seen once: "the response ended
        // prematurely", then "connection refused"). Azurite counts as up when it says it listens; if it exits, it could not
        // bind, and it starts again on another port.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            if (await StartAsync(package) is not { } failure) return;
            if (attempt == 3) throw new InvalidOperationException($"Azurite did not start on 127.0.0.1 in 3 attempts: {failure}");
        }
    }

    /// <summary>Starts Azurite on <see cref="Port"/>: null once it listens there, else why not (it exited, or did not say it listens).</summary>
    private async Task<string?> StartAsync(string package)
    {
        lock (_output) _output.Clear();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(package, "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(),
                     "--location", _data, "--skipApiVersionCheck", "--loose", "--disableTelemetry" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var listening = $"successfully listens on http://127.0.0.1:{Port}";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            lock (_output)
                if (_output.ToString().Contains(listening, StringComparison.Ordinal))
                {
                    _process = process;
                    return null;
                }
            if (process.HasExited) break;
            await Task.Delay(100);
        }
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync(); // and its last lines of output
        process.Dispose();
        lock (_output) return $"port {Port}: {_output}";
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LockboxPortal.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (LockboxPortal.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static async Task RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}{await stdout}");
    }
}
