using System.Runtime.ExceptionServices;
using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Etl.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server per test run: SUCCESSAPP_TEST_DATABASE_URL when set, else a throwaway local server.
/// Each test asks <see cref="CreateDatabaseAsync"/> for its own database, so tests never see each other's tables.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string CollectionName = "postgres";
    public const string DatabaseUrlVariable = "SUCCESSAPP_TEST_DATABASE_URL";

    private readonly SemaphoreSlim _createLock = new(1, 1);
    private readonly List<string> _created = [];
    private LocalPostgresServer? _server;
    private string? _adminConnectionString;
    private ExceptionDispatchInfo? _startupError;

    /// <summary>Where the server came from, for test output.</summary>
    public string Source { get; private set; } = "not started";

    public async Task InitializeAsync()
    {
        try
        {
            var url = Environment.GetEnvironmentVariable(DatabaseUrlVariable);
            if (!string.IsNullOrWhiteSpace(url))
            {
                // A CI or developer database may be a plaintext container on another host: that is their choice.
                _adminConnectionString = DatabaseUrl.ToConnectionString(url, allowInsecure: true);
                Source = DatabaseUrlVariable + " = " + DatabaseUrl.Redact(url);
                return;
            }

            _server = await LocalPostgresServer.StartAsync(new LocalPostgresOptions { Ephemeral = true });
            _adminConnectionString = _server.ConnectionString;
            Source = $"local server on port {_server.Port} ({_server.BinDirectory})";
        }
        catch (Exception e)
        {
            // Kept for CreateDatabaseAsync: each database test then fails with the install hint instead of being skipped.
            _startupError = ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>Creates a fresh, uniquely named database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        _startupError?.Throw();
        var admin = _adminConnectionString ?? throw new InvalidOperationException("PostgresFixture was not initialised.");
        var name = UniqueName(prefix);
        await _createLock.WaitAsync();
        try
        {
            // CREATE DATABASE copies template1; one at a time avoids "source database is being accessed" races.
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
            _created.Add(name);
        }
        finally
        {
            _createLock.Release();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            // The whole throwaway cluster goes, databases included.
            await _server.DisposeAsync();
        }
        else if (_adminConnectionString is not null && _created.Count > 0)
        {
            // On a shared server, drop only what this run created.
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            foreach (var name in _created)
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        _createLock.Dispose();
    }

    private static string UniqueName(string? prefix)
    {
        // Identifiers stay lower-case ASCII and within PostgreSQL's 63-byte limit.
        var clean = new string((prefix ?? "test").ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '_').ToArray());
        if (clean.Length == 0 || !char.IsAsciiLetter(clean[0]))
        {
            clean = "t" + clean;
        }

        var suffix = Guid.NewGuid().ToString("N")[..16];
        return (clean.Length > 40 ? clean[..40] : clean) + "_" + suffix;
    }
}

[CollectionDefinition(PostgresFixture.CollectionName)]
public sealed class PostgresCollectionDefinition : ICollectionFixture<PostgresFixture>
{
}
