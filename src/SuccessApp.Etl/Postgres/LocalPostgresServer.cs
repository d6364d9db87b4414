using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace SuccessApp.Etl.Postgres;

/// <summary>How to start a <see cref="LocalPostgresServer"/>.</summary>
public sealed class LocalPostgresOptions
{
    /// <summary>Cluster directory; null creates a temporary one that is deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Trades crash safety for speed (fsync, synchronous_commit, full_page_writes off): tests only.</summary>
    public bool Ephemeral { get; init; }

    /// <summary>Leave the server running on dispose (the worker's persistent cluster); needs <see cref="DataDirectory"/>.</summary>
    public bool KeepRunning { get; init; }

    /// <summary>Directory holding initdb and pg_ctl; null searches SUCCESSAPP_PG_BIN, PATH, /usr/lib/postgresql/*/bin.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>Extra server settings passed as <c>-c name=value</c> for this start only.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Receives progress lines.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>No PostgreSQL server binaries could be found on this machine.</summary>
public sealed class PostgresNotFoundException : Exception
{
    public PostgresNotFoundException()
        : this(LocalPostgresServer.InstallHint)
    {
    }

    public PostgresNotFoundException(string message)
        : base(message)
    {
    }

    public PostgresNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>initdb or pg_ctl failed; the message carries their output and the server log tail.</summary>
public sealed class LocalPostgresServerException : Exception
{
    public LocalPostgresServerException()
    {
    }

    public LocalPostgresServerException(string message)
        : base(message)
    {
    }

    public LocalPostgresServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A PostgreSQL server run from the machine's own binaries (initdb + pg_ctl), listening on 127.0.0.1 only,
/// with trust authentication for the superuser <c>postgres</c>.
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    public const string BinDirectoryVariable = "SUCCESSAPP_PG_BIN";

    internal const string InstallHint =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Fix it with one of: "
        + "(1) install them: `apt-get install -y postgresql` (Debian/Ubuntu; they land in /usr/lib/postgresql/<version>/bin); "
        + "(2) set SUCCESSAPP_PG_BIN to the directory that holds initdb and pg_ctl; "
        + "(3) use an existing server instead by setting SUCCESSAPP_TEST_DATABASE_URL (tests) or DATABASE_URL (worker), "
        + "e.g. postgres://user:password@host:5432/db.";

    private const string PostgresUser = "postgres";
    private const int MaxPortAttempts = 5;

    private readonly string? _tempRoot;
    private readonly bool _keepRunning;
    private readonly bool _runAsPostgresUser;
    private readonly Action<string> _log;
    private int _stopped;

    private LocalPostgresServer(
        string binDirectory,
        string dataDirectory,
        int port,
        string host,
        bool ownsProcess,
        string? tempRoot,
        bool keepRunning,
        bool runAsPostgresUser,
        Action<string> log)
    {
        BinDirectory = binDirectory;
        DataDirectory = dataDirectory;
        Port = port;
        OwnsProcess = ownsProcess;
        _tempRoot = tempRoot;
        _keepRunning = keepRunning;
        _runAsPostgresUser = runAsPostgresUser;
        _log = log;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = PostgresUser,
            Database = "postgres",
        }.ConnectionString;
    }

    /// <summary>Npgsql connection string for the superuser; no password (trust auth on loopback).</summary>
    public string ConnectionString { get; }

    public int Port { get; }

    public string DataDirectory { get; }

    public string BinDirectory { get; }

    /// <summary>True when this instance started the server; false when it attached to one already running.</summary>
    public bool OwnsProcess { get; }

    /// <summary>
    /// Starts (or reuses, or attaches to) a server. An initialised <see cref="LocalPostgresOptions.DataDirectory"/>
    /// is reused without initdb; one whose server is already running is attached to.
    /// </summary>
    public static async Task<LocalPostgresServer> StartAsync(LocalPostgresOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeepRunning && options.DataDirectory is null)
        {
            // A kept-running server on a temp dir would leak a process nobody can find again.
            throw new ArgumentException("KeepRunning needs an explicit DataDirectory.", nameof(options));
        }

        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Port must be 0 (pick a free one) or 1-65535.");
        }

        var log = options.Log ?? (_ => { });
        var bin = options.BinDirectory is { } explicitBin
            ? (IsBinDirectory(explicitBin)
                ? Path.GetFullPath(explicitBin)
                : throw new PostgresNotFoundException($"BinDirectory '{explicitBin}' has no initdb and pg_ctl. {InstallHint}"))
            : FindBinDirectory();
        var asPostgres = IsRoot();
        log($"PostgreSQL binaries: {bin}{(asPostgres ? " (running them as OS user postgres via runuser)" : "")}");

        string? tempRoot = null;
        string dataDir;
        string? socketDir;
        string logFile;
        if (options.DataDirectory is null)
        {
            tempRoot = CreateTempRoot(asPostgres);
            dataDir = Path.Combine(tempRoot, "data");
            socketDir = tempRoot;
            logFile = Path.Combine(tempRoot, "server.log");
        }
        else
        {
            dataDir = Path.GetFullPath(options.DataDirectory);
            // Unix socket paths are limited to ~107 bytes; past that, TCP only.
            socketDir = dataDir.Length + 20 < 100 ? dataDir : null;
            logFile = Path.Combine(dataDir, "successapp-server.log");
        }

        var server = new Starter(bin, dataDir, socketDir, logFile, tempRoot, options, asPostgres, log);
        try
        {
            return await server.RunAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await server.CleanupAfterFailureAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Finds the binaries from the environment: SUCCESSAPP_PG_BIN, then PATH, then the newest /usr/lib/postgresql/*/bin.</summary>
    public static string FindBinDirectory() =>
        FindBinDirectory(
            Environment.GetEnvironmentVariable(BinDirectoryVariable),
            Environment.GetEnvironmentVariable("PATH"),
            "/usr/lib/postgresql");

    /// <summary>The discovery rules with their inputs explicit (for diagnostics and tests).</summary>
    public static string FindBinDirectory(string? pgBinVariable, string? pathVariable, string versionsRoot)
    {
        if (!string.IsNullOrWhiteSpace(pgBinVariable))
        {
            // An explicit setting that is wrong should say so, not silently fall back to another install.
            return IsBinDirectory(pgBinVariable)
                ? Path.GetFullPath(pgBinVariable)
                : throw new PostgresNotFoundException(
                    $"{BinDirectoryVariable}='{pgBinVariable}' does not contain both initdb and pg_ctl. {InstallHint}");
        }

        foreach (var dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            // Both must sit together: some images put only pg_ctl (or a wrapper) on PATH.
            if (IsBinDirectory(dir))
            {
                return Path.GetFullPath(dir);
            }
        }

        if (Directory.Exists(versionsRoot))
        {
            var newest = Directory.EnumerateDirectories(versionsRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: ParseVersion(Path.GetFileName(d))))
                .Where(c => c.Version is not null && IsBinDirectory(c.Dir))
                .OrderByDescending(c => c.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return newest.Dir;
            }
        }

        throw new PostgresNotFoundException(InstallHint);
    }

    /// <summary>Stops the server on <see cref="DataDirectory"/> (even one this instance attached to) and deletes a temp directory.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _log($"Stopping PostgreSQL on port {Port} ({DataDirectory})");
        var result = await RunProcessAsync(
            Path.Combine(BinDirectory, "pg_ctl"),
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "120"],
            _runAsPostgresUser,
            CancellationToken.None).ConfigureAwait(false);
        DeleteTempRoot(_tempRoot, _log);
        if (result.ExitCode != 0)
        {
            throw new LocalPostgresServerException(Describe("pg_ctl stop", result, null));
        }
    }

    /// <summary>Stops the server only when this instance started it and KeepRunning is off.</summary>
    public async ValueTask DisposeAsync()
    {
        if (OwnsProcess && !_keepRunning)
        {
            await StopAsync().ConfigureAwait(false);
        }
        else
        {
            DeleteTempRoot(_tempRoot, _log);
        }
    }

    private static bool IsBinDirectory(string dir) =>
        IsExecutable(Path.Combine(dir, "initdb")) && IsExecutable(Path.Combine(dir, "pg_ctl"));

    private static bool IsExecutable(string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(file) & anyExecute) != 0;
    }

    private static Version? ParseVersion(string? name) =>
        Version.TryParse(name is not null && !name.Contains('.', StringComparison.Ordinal) ? name + ".0" : name, out var v) ? v : null;

    // Environment.UserName comes from geteuid, not $USER, so sudo/env tricks don't fool it.
    private static bool IsRoot() => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    private static string CreateTempRoot(bool asPostgres)
    {
        // As root, TMPDIR may point somewhere the postgres user cannot traverse; /tmp always can be.
        var baseDir = asPostgres ? "/tmp" : Path.GetTempPath();
        var path = Path.Combine(baseDir, "successapp-pg-" + Guid.NewGuid().ToString("N")[..12]);
        CreatePrivateDirectory(path);
        return path;
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            // initdb insists the data directory is 0700 (or 0750).
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void DeleteTempRoot(string? tempRoot, Action<string> log)
    {
        if (tempRoot is null || !Directory.Exists(tempRoot))
        {
            return;
        }

        try
        {
            Directory.Delete(tempRoot, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log($"Could not delete {tempRoot}: {e.Message}");
        }
    }

    private static string PickFreePort()
    {
        // The OS hands out a free port; the tiny race until postgres binds it is covered by retrying.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string RunuserPath() =>
        new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser" }.FirstOrDefault(File.Exists) ?? "runuser";

    private static async Task<ProcessResult> RunProcessAsync(
        string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            FileName = asPostgres ? RunuserPath() : file,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The caller's cwd (e.g. /root) may be unreadable to the postgres user, which makes initdb warn or fail.
            WorkingDirectory = "/",
        };
        if (asPostgres)
        {
            // initdb and postgres refuse to run as root; runuser (util-linux) needs no password or tty, unlike su/sudo.
            foreach (var a in new[] { "-u", PostgresUser, "--", file })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LocalPostgresServerException($"Could not run {psi.FileName}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            throw;
        }

        lock (stdout)
        {
            lock (stderr)
            {
                return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    private static string Describe(string what, ProcessResult result, string? logFile)
    {
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"{what} failed with exit code {result.ExitCode}.");
        if (result.StdErr.Trim() is { Length: > 0 } err)
        {
            message.Append("\n--- stderr ---\n").Append(err);
        }

        if (result.StdOut.Trim() is { Length: > 0 } outText)
        {
            message.Append("\n--- stdout ---\n").Append(outText);
        }

        if (logFile is not null && ReadTail(logFile) is { Length: > 0 } tail)
        {
            message.Append("\n--- server log tail (").Append(logFile).Append(") ---\n").Append(tail);
        }

        return message.ToString();
    }

    private static string ReadTail(string file, int lines = 40)
    {
        try
        {
            return File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : "";
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string ReadFrom(string file, long offset)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private sealed record ProcessResult(int ExitCode, string StdOut, string StdErr);

    /// <summary>postmaster.pid lines 4-6 and 8: port, socket dir, first listen address, status.</summary>
    private sealed record PidFile(int Port, string SocketDir, string ListenAddress, string Status);

    /// <summary>One start attempt's state, so a failure can be cleaned up without a half-built server object.</summary>
    private sealed class Starter(
        string bin,
        string dataDir,
        string? socketDir,
        string logFile,
        string? tempRoot,
        LocalPostgresOptions options,
        bool asPostgres,
        Action<string> log)
    {
        private bool _startedHere;

        private string PgCtl => Path.Combine(bin, "pg_ctl");

        public async Task<LocalPostgresServer> RunAsync(CancellationToken ct)
        {
            if (File.Exists(Path.Combine(dataDir, "PG_VERSION")))
            {
                if (await TryAttachAsync(ct).ConfigureAwait(false) is { } attached)
                {
                    return attached;
                }

                log($"Reusing initialised data directory {dataDir}");
            }
            else
            {
                await InitDbAsync(ct).ConfigureAwait(false);
            }

            for (var attempt = 1; ; attempt++)
            {
                var port = options.Port != 0 ? options.Port.ToString(CultureInfo.InvariantCulture) : PickFreePort();
                log($"Starting PostgreSQL on 127.0.0.1:{port} ({dataDir})");
                _startedHere = true;
                var logOffset = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
                var result = await RunProcessAsync(PgCtl, StartArguments(port), asPostgres, ct).ConfigureAwait(false);
                if (result.ExitCode == 0)
                {
                    return Create(int.Parse(port, CultureInfo.InvariantCulture), "127.0.0.1", ownsProcess: true);
                }

                // Someone else may have started this same data directory in the meantime: use theirs.
                if (await TryAttachAsync(ct).ConfigureAwait(false) is { } raced)
                {
                    _startedHere = false;
                    return raced;
                }

                // Only this attempt's log lines: a reused data directory's log holds older runs too.
                var tail = ReadFrom(logFile, logOffset);
                var portTaken = tail.Contains("Address already in use", StringComparison.Ordinal)
                    || tail.Contains("could not bind", StringComparison.Ordinal);
                if (portTaken && options.Port == 0 && attempt < MaxPortAttempts)
                {
                    log($"Port {port} was taken before the server bound it; retrying with another");
                    continue;
                }

                throw new LocalPostgresServerException(Describe("pg_ctl start", result, logFile));
            }
        }

        public async Task CleanupAfterFailureAsync()
        {
            try
            {
                // pg_ctl -w can time out while the server keeps starting: make sure nothing is left behind.
                if (_startedHere && await IsRunningAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    await RunProcessAsync(
                        PgCtl, ["stop", "-D", dataDir, "-m", "immediate", "-w"], asPostgres, CancellationToken.None)
                        .ConfigureAwait(false);
                }
            }
            catch (LocalPostgresServerException)
            {
                // Best effort; the original failure matters more.
            }

            DeleteTempRoot(tempRoot, log);
        }

        private LocalPostgresServer Create(int port, string host, bool ownsProcess) =>
            new(bin, dataDir, port, host, ownsProcess, tempRoot, options.KeepRunning, asPostgres, log);

        private async Task InitDbAsync(CancellationToken ct)
        {
            await PrepareDataDirectoryAsync(ct).ConfigureAwait(false);
            log($"Initialising a new cluster in {dataDir}");
            List<string> args = ["-D", dataDir, "-A", "trust", "-U", PostgresUser, "--encoding=UTF8", "--locale=C"];
            if (options.Ephemeral)
            {
                // Skips fsyncing the fresh cluster: a noticeable share of initdb time.
                args.Add("--no-sync");
            }

            var result = await RunProcessAsync(Path.Combine(bin, "initdb"), args, asPostgres, ct).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new LocalPostgresServerException(Describe("initdb", result, null));
            }
        }

        private async Task PrepareDataDirectoryAsync(CancellationToken ct)
        {
            if (!Directory.Exists(dataDir))
            {
                var parent = Path.GetDirectoryName(dataDir);
                if (parent is not null)
                {
                    Directory.CreateDirectory(parent);
                }

                CreatePrivateDirectory(dataDir);
            }

            if (!asPostgres)
            {
                return;
            }

            if (tempRoot is not null)
            {
                await ChownAsync(tempRoot, ct).ConfigureAwait(false);
            }

            // Also covers an empty directory someone pre-created as root: initdb runs as postgres and must own it.
            await ChownAsync(dataDir, ct).ConfigureAwait(false);

            // Ask the kernel, not mode bits: a parent like /root (0700) blocks the postgres user.
            var check = await RunProcessAsync("test", ["-w", dataDir, "-a", "-x", dataDir], asPostgres: true, ct)
                .ConfigureAwait(false);
            if (check.ExitCode != 0)
            {
                throw new LocalPostgresServerException(
                    $"The OS user postgres cannot write to {dataDir} (a parent directory is probably not traversable, e.g. /root is 0700). "
                    + "Choose a data directory under a world-traversable path (e.g. /tmp or /var/lib), or chmod o+x the parents."
                    + (check.StdErr.Length > 0 ? "\n" + check.StdErr : ""));
            }
        }

        private static async Task ChownAsync(string path, CancellationToken ct)
        {
            var result = await RunProcessAsync("chown", [PostgresUser + ":", path], asPostgres: false, ct)
                .ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new LocalPostgresServerException(
                    Describe($"chown {PostgresUser}: {path} (does the OS user postgres exist? `apt-get install -y postgresql` creates it)", result, null));
            }
        }

        private List<string> StartArguments(string port)
        {
            var serverOptions = new StringBuilder();
            // pg_ctl hands -o to /bin/sh, so every value is shell-quoted.
            serverOptions.Append("-p ").Append(port)
                .Append(" -k ").Append(ShellQuote(socketDir ?? ""))
                .Append(" -c listen_addresses=127.0.0.1");
            if (options.Ephemeral)
            {
                serverOptions.Append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }

            foreach (var (name, value) in options.Settings ?? new Dictionary<string, string>())
            {
                if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
                {
                    throw new ArgumentException($"'{name}' is not a PostgreSQL setting name.", nameof(options));
                }

                serverOptions.Append(" -c ").Append(name).Append('=').Append(ShellQuote(value));
            }

            return ["start", "-w", "-t", "120", "-D", dataDir, "-l", logFile, "-o", serverOptions.ToString()];
        }

        private async Task<bool> IsRunningAsync(CancellationToken ct)
        {
            // Exit 0 = running; pg_ctl itself checks that the postmaster.pid process is alive.
            var status = await RunProcessAsync(PgCtl, ["status", "-D", dataDir], asPostgres, ct).ConfigureAwait(false);
            return status.ExitCode == 0;
        }

        private async Task<LocalPostgresServer?> TryAttachAsync(CancellationToken ct)
        {
            // A server that is still starting (or stopping) is waited for rather than raced.
            for (var i = 0; i < 600; i++)
            {
                if (!await IsRunningAsync(ct).ConfigureAwait(false))
                {
                    return null;
                }

                if (ReadPidFile() is { Status: "ready" } pid)
                {
                    if (options.Port != 0 && options.Port != pid.Port)
                    {
                        log($"Requested port {options.Port} ignored: a server already runs on {dataDir} at port {pid.Port}");
                    }

                    log($"Attached to the PostgreSQL server already running on {dataDir} (port {pid.Port})");
                    return Create(pid.Port, HostFor(pid), ownsProcess: false);
                }

                await Task.Delay(200, ct).ConfigureAwait(false);
            }

            throw new LocalPostgresServerException($"The server on {dataDir} is running but never became ready.\n{ReadTail(logFile)}");
        }

        private static string HostFor(PidFile pid)
        {
            // Prefer TCP on loopback; a server listening on sockets only is reached through its socket directory.
            if (pid.ListenAddress.Length == 0)
            {
                return pid.SocketDir.Length > 0 ? pid.SocketDir : "127.0.0.1";
            }

            return IPAddress.TryParse(pid.ListenAddress, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)
                ? pid.ListenAddress
                : "127.0.0.1";
        }

        private PidFile? ReadPidFile()
        {
            try
            {
                var lines = File.ReadAllLines(Path.Combine(dataDir, "postmaster.pid"));
                if (lines.Length < 8 || !int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    return null;
                }

                return new PidFile(port, lines[4].Trim(), lines[5].Trim(), lines[7].Trim());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
