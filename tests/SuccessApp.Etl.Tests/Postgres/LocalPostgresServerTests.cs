using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Etl.Tests.Postgres;

public sealed class LocalPostgresServerTests
{
    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A parent directory the test owns and deletes; world-traversable so the postgres OS user can reach inside.</summary>
    private static string NewScratchParent()
    {
        var path = Path.Combine(Environment.UserName == "root" ? "/tmp" : Path.GetTempPath(), "successapp-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    [Fact]
    public async Task StartsAndAnswersSelectVersion()
    {
        var log = new ConcurrentQueue<string>();
        await using var server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true, Log = log.Enqueue });

        var version = await ScalarAsync<string>(server.ConnectionString, "SELECT version()");
        Assert.StartsWith("PostgreSQL ", version, StringComparison.Ordinal);

        var b = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        Assert.Equal("127.0.0.1", b.Host);
        Assert.Equal(server.Port, b.Port);
        Assert.Equal("postgres", b.Username);
        Assert.Equal("postgres", b.Database);
        Assert.Null(b.Password);
        Assert.True(server.OwnsProcess);
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")));
        Assert.True(File.Exists(Path.Combine(server.BinDirectory, "pg_ctl")));
        Assert.Equal("127.0.0.1", await ScalarAsync<string>(server.ConnectionString, "SHOW listen_addresses"));
        Assert.Equal("off", await ScalarAsync<string>(server.ConnectionString, "SHOW fsync"));
        Assert.Equal("UTF8", await ScalarAsync<string>(server.ConnectionString, "SHOW server_encoding"));
        Assert.NotEmpty(log);
    }

    [Fact]
    public async Task TwoServersRunInParallel()
    {
        var starts = new[]
        {
            LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true }),
            LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true }),
        };
        await Task.WhenAll(starts);
        await using var a = await starts[0];
        await using var b = await starts[1];

        Assert.NotEqual(a.Port, b.Port);
        Assert.NotEqual(a.DataDirectory, b.DataDirectory);
        await ExecAsync(a.ConnectionString, "CREATE TABLE only_in_a (id int)");
        Assert.Equal(1L, await ScalarAsync<long>(a.ConnectionString, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"));
        Assert.Equal(0L, await ScalarAsync<long>(b.ConnectionString, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"));
    }

    [Fact]
    public async Task StoppingRemovesTheTemporaryDirectory()
    {
        var server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true });
        var dataDirectory = server.DataDirectory;
        var tempRoot = Path.GetDirectoryName(dataDirectory)!;
        Assert.True(Directory.Exists(dataDirectory));

        await server.StopAsync();

        Assert.False(Directory.Exists(dataDirectory));
        Assert.False(Directory.Exists(tempRoot));
        await server.DisposeAsync(); // after StopAsync: harmless
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync<int>(server.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task ReusingADataDirectoryKeepsItsData()
    {
        var parent = NewScratchParent();
        try
        {
            var dataDirectory = Path.Combine(parent, "pgdata");
            await using (var first = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dataDirectory, Ephemeral = true }))
            {
                await ExecAsync(first.ConnectionString, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
                await first.StopAsync();
            }

            Assert.True(File.Exists(Path.Combine(dataDirectory, "PG_VERSION")));
            var log = new ConcurrentQueue<string>();
            await using var second = await LocalPostgresServer.StartAsync(
                new LocalPostgresOptions { DataDirectory = dataDirectory, Ephemeral = true, Log = log.Enqueue });

            Assert.True(second.OwnsProcess);
            Assert.Contains(log, line => line.StartsWith("Reusing", StringComparison.Ordinal));
            Assert.DoesNotContain(log, line => line.StartsWith("Initialising", StringComparison.Ordinal));
            Assert.Equal("still here", await ScalarAsync<string>(second.ConnectionString, "SELECT v FROM kept"));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task StartingOnARunningDataDirectoryAttachesInsteadOfStartingAnother()
    {
        var parent = NewScratchParent();
        try
        {
            var dataDirectory = Path.Combine(parent, "pgdata");
            await using var owner = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dataDirectory, Ephemeral = true });

            var attached = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dataDirectory });
            Assert.False(attached.OwnsProcess);
            Assert.Equal(owner.Port, attached.Port);
            Assert.Equal(1, await ScalarAsync<int>(attached.ConnectionString, "SELECT 1"));

            await attached.DisposeAsync();
            Assert.Equal(1, await ScalarAsync<int>(owner.ConnectionString, "SELECT 1"));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task KeepRunningLeavesTheServerUpForTheNextStart()
    {
        var parent = NewScratchParent();
        try
        {
            var dataDirectory = Path.Combine(parent, "pgdata");
            int port;
            await using (var first = await LocalPostgresServer.StartAsync(
                new LocalPostgresOptions { DataDirectory = dataDirectory, KeepRunning = true, Ephemeral = true }))
            {
                port = first.Port;
            }

            Assert.True(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")));
            var again = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = dataDirectory, KeepRunning = true });
            Assert.False(again.OwnsProcess);
            Assert.Equal(port, again.Port);
            Assert.Equal(1, await ScalarAsync<int>(again.ConnectionString, "SELECT 1"));

            // An explicit stop stops it even when attached.
            await again.StopAsync();
            Assert.False(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task AsRootADataDirectoryThePostgresUserCannotReachIsExplained()
    {
        if (Environment.UserName != "root" || OperatingSystem.IsWindows())
        {
            return; // Only root hands the cluster to another OS user; otherwise the caller owns what it creates.
        }

        var parent = NewScratchParent();
        try
        {
            var locked = Path.Combine(parent, "locked");
            Directory.CreateDirectory(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var e = await Assert.ThrowsAsync<LocalPostgresServerException>(
                () => LocalPostgresServer.StartAsync(new LocalPostgresOptions { DataDirectory = Path.Combine(locked, "pgdata") }));

            Assert.Contains("cannot write", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task KeepRunningWithoutADataDirectoryIsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => LocalPostgresServer.StartAsync(new LocalPostgresOptions { KeepRunning = true }));
    }

    [Fact]
    public async Task ExplicitFreePortIsUsed()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        await using var server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { Port = port, Ephemeral = true });

        Assert.Equal(port, server.Port);
        Assert.Equal(port, await ScalarAsync<int>(server.ConnectionString, "SELECT current_setting('port')::int"));
    }

    [Fact]
    public async Task TakenExplicitPortFailsWithTheServerLogInTheMessage()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<LocalPostgresServerException>(
            () => LocalPostgresServer.StartAsync(new LocalPostgresOptions { Port = port, Ephemeral = true }));

        Assert.Contains("pg_ctl start failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("server log tail", e.Message, StringComparison.Ordinal);
        Assert.Contains("Address already in use", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitBinDirectoryWithoutBinariesGivesTheInstallHint()
    {
        var empty = NewScratchParent();
        try
        {
            var e = await Assert.ThrowsAsync<PostgresNotFoundException>(
                () => LocalPostgresServer.StartAsync(new LocalPostgresOptions { BinDirectory = empty }));
            AssertInstallHint(e.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void DiscoveryPrefersTheEnvironmentVariable()
    {
        var root = NewScratchParent();
        try
        {
            var custom = FakeBin(root, "custom", "initdb", "pg_ctl", "postgres");
            var onPath = FakeBin(root, "onpath", "initdb", "pg_ctl", "postgres");

            Assert.Equal(custom, LocalPostgresServer.FindBinDirectory(custom, onPath, Path.Combine(root, "none")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DiscoveryRejectsAWrongEnvironmentVariableInsteadOfFallingBack()
    {
        var root = NewScratchParent();
        try
        {
            var onPath = FakeBin(root, "onpath", "initdb", "pg_ctl");
            var e = Assert.Throws<PostgresNotFoundException>(
                () => LocalPostgresServer.FindBinDirectory(Path.Combine(root, "missing"), onPath, Path.Combine(root, "none")));

            Assert.Contains(LocalPostgresServer.BinDirectoryVariable, e.Message, StringComparison.Ordinal);
            AssertInstallHint(e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DiscoveryOnPathNeedsInitdbAndPgCtlTogether()
    {
        var root = NewScratchParent();
        try
        {
            var onlyPgCtl = FakeBin(root, "usr-local-bin", "pg_ctl", "postgres");
            var notExecutable = Path.Combine(root, "noexec");
            Directory.CreateDirectory(notExecutable);
            File.WriteAllText(Path.Combine(notExecutable, "initdb"), "");
            File.WriteAllText(Path.Combine(notExecutable, "pg_ctl"), "");
            var both = FakeBin(root, "real", "initdb", "pg_ctl", "postgres");
            var path = string.Join(Path.PathSeparator, onlyPgCtl, notExecutable, Path.Combine(root, "absent"), both);

            Assert.Equal(both, LocalPostgresServer.FindBinDirectory(null, path, Path.Combine(root, "none")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DiscoveryFallsBackToTheNewestVersionedDirectory()
    {
        var root = NewScratchParent();
        try
        {
            var versions = Path.Combine(root, "postgresql");
            FakeBin(versions, Path.Combine("9.6", "bin"), "initdb", "pg_ctl");
            FakeBin(versions, Path.Combine("13", "bin"), "initdb", "pg_ctl");
            var newest = FakeBin(versions, Path.Combine("16", "bin"), "initdb", "pg_ctl");
            FakeBin(versions, Path.Combine("17", "bin"), "pg_ctl"); // incomplete: ignored
            Directory.CreateDirectory(Path.Combine(versions, "common"));

            Assert.Equal(newest, LocalPostgresServer.FindBinDirectory("", Path.Combine(root, "nothing-here"), versions));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DiscoveryWithNothingFoundGivesTheInstallHint()
    {
        var root = NewScratchParent();
        try
        {
            var e = Assert.Throws<PostgresNotFoundException>(
                () => LocalPostgresServer.FindBinDirectory(null, root, Path.Combine(root, "none")));
            AssertInstallHint(e.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void AssertInstallHint(string message)
    {
        Assert.Contains("apt-get install -y postgresql", message, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_PG_BIN", message, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_TEST_DATABASE_URL", message, StringComparison.Ordinal);
        Assert.Contains("DATABASE_URL", message, StringComparison.Ordinal);
    }

    private static string FakeBin(string root, string relative, params string[] names)
    {
        var dir = Path.Combine(root, relative);
        Directory.CreateDirectory(dir);
        foreach (var name in names)
        {
            var file = Path.Combine(dir, name);
            File.WriteAllText(file, "#!/bin/sh\nexit 1\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return dir;
    }
}
