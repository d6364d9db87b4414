using Npgsql;
using SuccessApp.Etl.Postgres;

namespace SuccessApp.Worker;

/// <summary>
/// The database the worker writes to: <c>DATABASE_URL</c> (Heroku sets it), or with nothing configured a local
/// PostgreSQL from the machine's own binaries, its data under <c>.successapp/pgdata</c>, left running afterwards so
/// the loaded tables can be looked at with psql.
/// </summary>
public static class Database
{
    public const string UrlVariable = "DATABASE_URL";
    public const string LocalDirectory = ".successapp";

    public static async Task<NpgsqlDataSource> OpenAsync(EventLog log, string? databaseUrl, CancellationToken cancellationToken)
    {
        string connectionString;
        if (!string.IsNullOrWhiteSpace(databaseUrl))
        {
            connectionString = DatabaseUrl.ToConnectionString(databaseUrl, DatabaseUrl.InsecureAllowedByEnvironment());
            log.Write("database", ("source", UrlVariable), ("target", DatabaseUrl.Redact(databaseUrl)));
        }
        else
        {
            var data = Path.GetFullPath(Path.Combine(LocalDirectory, "pgdata"));
            log.Write("database", ("source", "local"), ("data", data), ("note", "DATABASE_URL is not set: using a local PostgreSQL"));
            var server = await LocalPostgresServer.StartAsync(
                new LocalPostgresOptions { DataDirectory = data, KeepRunning = true, Log = line => log.Write("local_postgres", ("message", line)) },
                cancellationToken);
            connectionString = server.ConnectionString;
            log.Write("database", ("connection", connectionString), ("psql", $"psql -h 127.0.0.1 -p {server.Port} -U postgres"),
                ("stop", $"{Path.Combine(server.BinDirectory, "pg_ctl")} -D {data} stop"));
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = "successapp-worker",
            // A COPY of a large chunk can take longer than the default 30 s on a busy server.
            CommandTimeout = 600,
        };
        return NpgsqlDataSource.Create(builder);
    }
}
