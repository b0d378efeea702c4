using LockboxPortal.Bench;

// bench <command> [options]; bench/run.sh strings them together.
var command = args.Length > 0 ? args[0] : "help";
var options = BenchOptions.Parse(args.Skip(1));
return command switch
{
    "seed" => await Seeder.RunAsync(options),
    "service" => await ServiceBenchmarks.RunAsync(options),
    "browser" => await BrowserBenchmarks.RunAsync(options),
    "circuits" => await CircuitBenchmarks.RunAsync(options),
    "doc" => DocWriter.Run(options),
    _ => Help(),
};

static int Help()
{
    Console.WriteLine("""
        usage: LockboxPortal.Bench <command> [--key value ...]
          seed     --db <file> [--requests 1000000] [--tenants 1000] [--contoso 50000] [--provider Sqlite|SqlServer --connection <cs>]
          service  --db <file> [--out <dir>]
          browser  --url http://127.0.0.1:5199 --pid <app pid> [--out <dir>] [--contexts 0,25,50,100]
          circuits --app <publish dir> --db <file> [--idle 5000] [--active 200] [--seconds 60] [--think 1000] [--steps 0,100,5000] [--out <dir>]
                   protocol-level circuits (bench/LockboxPortal.CircuitLoad), no browser
          doc      --out <dir> --doc docs/performance.md
        """);
    return 1;
}
