// The fake SuccessApp API, standalone, for demos and manual runs:
//
//   dotnet run --project tests/SuccessApp.FakeApi -- --urls http://127.0.0.1:5055 [--token T] [--seed N]
//       [--records N | --deals N --accounts N] [--page-size N] [--faults 429,500,slow,slow-body,reset,truncate,invalid,html]
//
// then, in another terminal:
//
//   SUCCESSAPP_API_URL=http://127.0.0.1:5055 SUCCESSAPP_API_TOKEN=T dotnet run --project src/SuccessApp.Worker -- sync
//
// --faults makes every 5th page fail once with each listed fault (the worker retries through all of them).
using System.Globalization;
using SuccessApp.FakeApi;

var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"unexpected argument '{args[i]}'");
        return 2;
    }
    var name = args[i][2..];
    var equals = name.IndexOf('=', StringComparison.Ordinal);
    if (equals >= 0)
    {
        settings[name[..equals]] = name[(equals + 1)..];
    }
    else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
    {
        settings[name] = args[++i];
    }
    else
    {
        settings[name] = "true";
    }
}

int Number(string key, int fallback) => settings.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

var records = Number("records", 20_000);
var options = new FakeApiOptions
{
    Urls = settings.GetValueOrDefault("urls", "http://127.0.0.1:5055"),
    Token = settings.GetValueOrDefault("token", Environment.GetEnvironmentVariable("SUCCESSAPP_API_TOKEN") ?? "fake-successapp-token"),
    Seed = ulong.Parse(settings.GetValueOrDefault("seed", "42"), CultureInfo.InvariantCulture),
    DefaultRecords = records,
    Records = new Dictionary<string, int> { ["deals"] = Number("deals", records), ["accounts"] = Number("accounts", Math.Max(1, records / 4)) },
    DefaultPageSize = Number("page-size", 100),
    Log = settings.ContainsKey("quiet") ? null : Console.WriteLine,
};

await using var server = await FakeApiServer.StartAsync(options);
if (settings.TryGetValue("faults", out var faults))
{
    var kinds = faults.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    for (var k = 0; k < kinds.Length; k++)
    {
        FaultKind kind = kinds[k] switch
        {
            "429" => FaultKind.TooManyRequests,
            "500" => FaultKind.ServerError,
            "slow" => FaultKind.SlowResponse,
            "slow-body" => FaultKind.SlowBody,
            "reset" => FaultKind.ResetMidBody,
            "truncate" => FaultKind.TruncatedJson,
            "invalid" => FaultKind.InvalidJson,
            "html" => FaultKind.NotJson,
            _ => throw new ArgumentException($"unknown fault '{kinds[k]}'"),
        };
        server.Faults.Add(new FaultRule(kind) { Pages = [.. Enumerable.Range(0, 10_000).Where(p => p % 5 == k % 5 && p >= 1)] });
    }
}

Console.WriteLine($"fake SuccessApp API listening on {server.BaseUrl} (token: {server.Token})");
foreach (var entity in server.Entities)
{
    var data = server.Dataset(entity.Name);
    Console.WriteLine($"  GET {entity.Endpoint}  {entity.Style} pagination, {data.Keys} records sent {data.Emissions.Count} times ({data.Duplicates} duplicates, {data.Updates} updates)");
}
Console.WriteLine("Ctrl+C stops it.");

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
return 0;
