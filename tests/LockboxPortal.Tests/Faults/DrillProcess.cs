using System.Diagnostics;
using LockboxPortal.FaultDrill;

namespace LockboxPortal.Tests.Faults;

/// <summary>
/// One run of the fault drill (<c>dotnet LockboxPortal.FaultDrill.dll</c>, the portal's own Program with the
/// approvers' burst joined to it) as a child process whose output is collected line by line.
/// </summary>
public sealed class DrillProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _deciding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private DrillProcess(Process process) => _process = process;

    /// <summary>From the process start to READY, and from READY to the first decision (null: never got there).</summary>
    public TimeSpan? StartUp { get; private set; }
    public TimeSpan? WarmUp { get; private set; }

    /// <summary>Where the build put the drill: recorded in this assembly by LockboxPortal.Tests.csproj.</summary>
    public static string DrillAssemblyPath { get; } = typeof(DrillProcess).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FaultDrillPath").Value ?? "";

    public static DrillProcess Start(IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(DrillAssemblyPath))
            throw new InvalidOperationException($"The fault drill is not built at {DrillAssemblyPath}; build LockboxPortal.sln (or tests/LockboxPortal.Tests, which builds it).");

        var start = new ProcessStartInfo(DotnetHost())
        {
            // Run from the drill's folder, as a deployer runs the portal from its own.
            WorkingDirectory = Path.GetDirectoryName(DrillAssemblyPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DrillAssemblyPath);
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        // The command line wins over these anyway; removing them keeps the child from even seeing another
        // database (the SQL Server job of the pipeline sets them for the suite).
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var name in new[] { "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "Database__Provider", "ConnectionStrings__Lockbox" })
            start.Environment.Remove(name);

        var drill = new DrillProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        drill._process.OutputDataReceived += (_, e) => drill.Receive(e.Data);
        drill._process.ErrorDataReceived += (_, e) => drill.Receive(e.Data is null ? null : "stderr: " + e.Data);
        drill._process.Start();
        drill._process.BeginOutputReadLine();
        drill._process.BeginErrorReadLine();
        _ = drill._process.WaitForExitAsync().ContinueWith(_ => drill._exited.TrySetResult(), TaskScheduler.Default);
        return drill;
    }

    /// <summary>Completes when the drill says the portal has started and the burst begins (never, if it exits first).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes at the first decision of this run (or the end of the burst, if nothing was left to decide).</summary>
    public Task Deciding => _deciding.Task;

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL on Linux: no shutdown code runs, nothing is flushed that was not already written.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public IReadOnlyList<string> Output
    {
        get { lock (_output) return [.. _output]; }
    }

    /// <summary>The drill's own lines, parsed.</summary>
    public IReadOnlyList<(string Kind, string[] Fields)> DrillLines =>
        Output.Select(l => DrillProtocol.TryParse(l, out var kind, out var fields) ? (kind, fields) : default)
            .Where(x => x.kind is not null).ToList();

    public bool Said(string kind) => DrillLines.Any(l => l.Kind == kind);

    public string Tail(int lines = 30) => string.Join('\n', Output.TakeLast(lines));

    private void Receive(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        if (!DrillProtocol.TryParse(line, out var kind, out _)) return;
        if (kind == DrillProtocol.Ready && _ready.TrySetResult()) StartUp = _clock.Elapsed;
        if (kind is DrillProtocol.Decided or DrillProtocol.Conflict or DrillProtocol.BurstDone && _deciding.TrySetResult())
            WarmUp = _clock.Elapsed - StartUp;
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        // The test host itself runs under the dotnet muxer.
        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    public void Dispose()
    {
        if (!HasExited)
        {
            try { Kill(); } catch (InvalidOperationException) { }
        }
        _process.Dispose();
    }
}
