using BenchmarkDotNet.Running;
using SuccessApp.Benchmarks;

// Three faces of one executable:
//   --filter '*' (or any BenchmarkDotNet arguments)   the microbenchmarks
//   duckdb FILE.ndjson                                 bench/compare.sh (c): DuckDB read_json + unnest into the worker's tables
//   copy-files --manifest DIR/manifest.json --connection CS
//                                                      bench/compare.sh (d): PostgreSQL's own COPY FROM 'file' of the worker's rows
return args.FirstOrDefault() switch
{
    "duckdb" => DuckDbFlatten.Run(args[1..]),
    "copy-files" => CopyFromFiles.Run(args[1..]),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchData).Assembly).Run(args, new BenchConfig());
    return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
}
