using Npgsql;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Loading;

/// <summary>
/// Brings the database up to the schemas at start: creates missing tables, adds columns added to a schema since
/// the last run, recreates the wide views. Only additive: it never drops or rewrites a table holding data. Runs
/// under a transaction-scoped advisory lock, so two workers starting together migrate one after the other.
/// </summary>
public static class Migrator
{
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, IEnumerable<EntityDefinition> entities, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({RuntimeSchema.MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, RuntimeSchema.Create, cancellationToken);
        foreach (var entity in entities)
        {
            foreach (var sql in entity.MigrationSql())
            {
                await ExecuteAsync(connection, transaction, sql, cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Everything <see cref="MigrateAsync"/> would run, for <c>successapp ddl</c>.</summary>
    public static IEnumerable<string> Script(IEnumerable<EntityDefinition> entities)
    {
        yield return RuntimeSchema.Create;
        foreach (var entity in entities)
        {
            foreach (var sql in entity.MigrationSql())
            {
                yield return sql;
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
