using System.Diagnostics;
using System.Text;

namespace SuccessApp.Etl.Tests.Infrastructure;

/// <summary>The real <c>successapp</c> worker as a child process: its output, its exit, and signals sent to it.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public static WorkerProcess Start(IEnumerable<string> arguments, IDictionary<string, string?> environment)
    {
        // The worker runs from its own build output: the test folder also holds ASP.NET's framework references (for
        // the fake API), which the worker's runtime configuration does not load.
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var worker = Path.Combine(SuccessApp.Generator.Tests.Infrastructure.RepositoryPaths.Root, "src", "SuccessApp.Worker", "bin",
            framework.Parent!.Name, framework.Name, "successapp.dll");
        Assert.True(File.Exists(worker), $"{worker} is missing: the test project references the worker project, which builds it.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(worker);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var wrapper = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    public int Id => _process.Id;

    /// <summary>Waits (bounded) until the output holds <paramref name="count"/> lines containing <paramref name="text"/>.</summary>
    public async Task WaitForAsync(string text, int count = 1, int maxSeconds = 120)
    {
        for (var i = 0; i < maxSeconds * 20; i++)
        {
            var seen = Output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));
            if (seen >= count)
            {
                return;
            }
            if (_process.HasExited)
            {
                break;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"The worker did not print '{text}' {count} time(s). Output:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(int maxSeconds = 300)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
        await _process.WaitForExitAsync(timeout.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Sends a signal with the system's kill(1), as an operator or a dyno manager would.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>
    /// Starts a worker, signals it after <paramref name="chunks"/> committed chunks and waits for it to end, then
    /// starts it again to completion (after <paramref name="betweenRuns"/>, to look at the state left). Returns the stopped run's exit code and output, and the rerun's output.
    /// </summary>
    public static async Task<(int StoppedExit, string Stopped, string Rerun)> StopThenRerunAsync(
        Func<WorkerProcess> start, string signal, int chunks, Func<Task>? betweenRuns = null)
    {
        int stoppedExit;
        string stopped;
        using (var worker = start())
        {
            await worker.WaitForAsync("event=chunk", count: chunks);
            worker.Signal(signal);
            // Heroku sends SIGKILL 30 s after SIGTERM: a stop must be over by then.
            stoppedExit = await worker.WaitForExitAsync(maxSeconds: 30);
            stopped = worker.Output;
        }
        if (betweenRuns is not null)
        {
            await betweenRuns();
        }
        using var rerun = start();
        Assert.Equal(0, await rerun.WaitForExitAsync());
        return (stoppedExit, stopped, rerun.Output);
    }

    /// <summary>
    /// Each chunk's commit waits 0.2 s (a trigger on the resume position, which every chunk writes), so the signal
    /// sent after N chunks always finds the worker mid-run: unthrottled, it could finish the whole file between the
    /// test seeing chunk N and the signal landing.
    /// </summary>
    public static async Task SlowDownEachChunkAsync(string db)
    {
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(db))
        {
            await SuccessApp.Etl.Loading.Migrator.MigrateAsync(dataSource, [SuccessApp.Etl.Entities.DealsEntity.Definition], CancellationToken.None);
        }
        await LoadHelper.ExecuteAsync(db, """
            CREATE FUNCTION slow_chunk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$;
            CREATE TRIGGER slow_chunks BEFORE INSERT OR UPDATE ON successapp_state FOR EACH ROW EXECUTE FUNCTION slow_chunk();
            """);
    }

    public static Task StopSlowingDownAsync(string db) => LoadHelper.ExecuteAsync(db, "DROP TRIGGER slow_chunks ON successapp_state");

    public const string SigTerm = "TERM";
    public const string SigKill = "KILL";

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
