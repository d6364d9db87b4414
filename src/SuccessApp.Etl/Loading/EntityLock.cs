using Npgsql;

namespace SuccessApp.Etl.Loading;

/// <summary>Another worker is syncing the same entity right now.</summary>
public sealed class EntityBusyException(string entity)
    : Exception($"Another worker is already syncing '{entity}' against this database (its advisory lock is held). " +
                "This run stops without writing; the other run's progress is kept. Run again once it has finished.")
{
    public string Entity { get; } = entity;
}

/// <summary>
/// A session advisory lock per entity, held on the writing connection for the whole sync: two workers started at
/// once never interleave chunks of one entity. Released when the connection closes, also when the process dies.
/// </summary>
public static class EntityLock
{
    public static async Task AcquireAsync(NpgsqlConnection connection, string entity, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "successapp:" + entity });
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
        {
            throw new EntityBusyException(entity);
        }
    }

    /// <summary>The same, synchronously: a writing connection never does asynchronous I/O (see <see cref="LanedWriter"/>).</summary>
    public static void Acquire(NpgsqlConnection connection, string entity)
    {
        using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "successapp:" + entity });
        if (!(bool)command.ExecuteScalar()!)
        {
            throw new EntityBusyException(entity);
        }
    }

    public static void Release(NpgsqlConnection connection, string entity)
    {
        using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "successapp:" + entity });
        command.ExecuteScalar();
    }
}
