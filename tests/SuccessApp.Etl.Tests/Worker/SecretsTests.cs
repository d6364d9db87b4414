using Npgsql;
using SuccessApp.Etl.Tests.Infrastructure;
using SuccessApp.Worker;

namespace SuccessApp.Etl.Tests.Worker;

/// <summary>The database password is never printed: not in the event log, not in the summary, not in errors.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class SecretsTests(PostgresFixture postgres)
{
    private const string Password = "pA55-w0rd-that-must-not-leak";

    [Fact]
    public async Task A_database_url_password_never_reaches_the_logs_or_the_summary()
    {
        var db = new NpgsqlConnectionStringBuilder(await postgres.CreateDatabaseAsync("secrets"));
        // The test server trusts loopback connections, so any password works; the point is where it shows up.
        var url = $"postgres://{db.Username}:{Password}@{db.Host}:{db.Port}/{db.Database}";
        using var output = new StringWriter();
        var log = new EventLog(output, Guid.NewGuid());

        var code = await SyncCommand.RunAsync(new SyncRequest(["deals"], null, false, 100, url), log, output, CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Contains("event=database", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("***", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_connection_does_not_put_the_password_in_the_error()
    {
        using var output = new StringWriter();
        var log = new EventLog(output, Guid.NewGuid());
        var url = $"postgres://nobody:{Password}@127.0.0.1:1/none";

        var error = await Record.ExceptionAsync(() => SyncCommand.RunAsync(new SyncRequest(["deals"], null, false, 100, url), log, output, CancellationToken.None));

        Assert.NotNull(error);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output.ToString(), StringComparison.Ordinal);
    }
}
