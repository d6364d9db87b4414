using Npgsql;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Loading;
using SuccessApp.Etl.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Loading;

/// <summary>Two workers at once on one entity: while one holds it, the other stops with a clear message and writes nothing.</summary>
[Collection(PostgresFixture.CollectionName)]
public sealed class ConcurrentWorkersTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_second_worker_on_a_busy_entity_stops_with_a_clear_message_and_writes_nothing()
    {
        var db = await postgres.CreateDatabaseAsync("concurrent");
        string[] records = [LoaderTests.Deal("ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "2024-01-01 00:00:00", "a")];
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, records);

        // The first worker: a connection holding the entity's lock, as a running sync does for its whole run.
        await using (var first = new NpgsqlConnection(db))
        {
            await first.OpenAsync();
            EntityLock.Acquire(first, "deals");

            var second = await Record.ExceptionAsync(() => LoadHelper.LoadAsync(db, DealsEntity.Definition,
                [LoaderTests.Deal("ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "2024-01-02 00:00:00", "b")], source: "other.ndjson"));

            var busy = Assert.IsType<EntityBusyException>(second);
            Assert.Contains("Another worker is already syncing 'deals'", busy.Message, StringComparison.Ordinal);
            Assert.Equal(0, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM successapp_state WHERE source = 'other.ndjson'"));
            Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE name = 'a'"));
        }

        // Once the first is gone (its connection closed, as when a process dies), the entity is free again.
        NpgsqlConnection.ClearAllPools();
        await LoadHelper.LoadAsync(db, DealsEntity.Definition, [LoaderTests.Deal("ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "2024-01-02 00:00:00", "b")], source: "other.ndjson");
        Assert.Equal(1, await LoadHelper.ScalarAsync(db, "SELECT count(*) FROM deals WHERE name = 'b'"));
    }

    [Fact]
    public async Task The_entity_is_free_for_another_worker_as_soon_as_a_sync_returns()
    {
        var db = await postgres.CreateDatabaseAsync("lock_free");
        // The sync's data source stays open, with its connections idle in the pool, as in a long-running worker.
        await using var dataSource = NpgsqlDataSource.Create(db);
        await Migrator.MigrateAsync(dataSource, [DealsEntity.Definition], CancellationToken.None);
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(LoaderTests.Deal("ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "2024-01-01 00:00:00", "a") + "\n"));
        await using (var source = new SuccessApp.Etl.Sources.StreamRecordSource(stream, "one.ndjson"))
        {
            await SuccessApp.Etl.Pipeline.SyncPipeline.RunAsync(dataSource, DealsEntity.Definition, source, Guid.NewGuid(), new SuccessApp.Etl.Pipeline.SyncOptions(), CancellationToken.None);
        }

        // Another worker process (its own connection) must get the lock at once, not when the pool prunes.
        await using var other = new NpgsqlConnection(db);
        await other.OpenAsync();
        EntityLock.Acquire(other, "deals");
    }
}
