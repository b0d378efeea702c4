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
        Port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(package, "dist", "src", "blob", "main.js"), "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(),
                     "--location", _data, "--skipApiVersionCheck", "--loose", "--disableTelemetry" })
            start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(200);
            }
            catch (SocketException)
            {
                string output;
                lock (_output) output = _output.ToString();
                throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{Port}: {output}");
            }
        }
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
