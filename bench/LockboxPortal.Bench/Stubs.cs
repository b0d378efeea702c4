namespace LockboxPortal.Bench;
public static class ServiceBenchmarks { public static Task<int> RunAsync(BenchOptions o) => Task.FromResult(0); }
public static class BrowserBenchmarks { public static Task<int> RunAsync(BenchOptions o) => Task.FromResult(0); }
public static class DocWriter { public static int Run(BenchOptions o) => 0; }
