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
          browser  --app <publish dir> --db <file> [--port 5199] [--out <dir>] [--contexts 0,25,50,100] [--settle 65] [--n 30]
                   [--sections navigation,next,approve,floor,circuits,breakdown] [--trace] [--variants]  (floor: the same
                   figures on static pages, what this browser allows without the portal; --variants: the static blade
                   without one part at a time, to browser-floor-variants.md; breakdown, not run by default: where a full
                   load's and a next-page click's time goes, step by step; --trace adds a Chromium trace of each, summarised;
                   --settle: seconds the idle circuits wait between two full GCs before each memory dump, 0 with --quick)
          circuits --app <publish dir> --db <file> [--idle 5000] [--active 200] [--seconds 60] [--think 1000] [--steps 0,100,5000] [--out <dir>]
                   protocol-level circuits (bench/LockboxPortal.CircuitLoad), no browser
          doc      --out <dir> --doc docs/performance.md
        """);
    return 1;
}
