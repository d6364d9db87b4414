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
/// once never interleave chunks of one entity. The writer releases it when it is disposed; the server releases it when
/// the session ends, also when the process dies.
/// </summary>
public static class EntityLock
{
    /// <summary>Takes the entity's lock for this session, or throws <see cref="EntityBusyException"/> if another session holds it.</summary>
    public static void Acquire(NpgsqlConnection connection, string entity)
    {
        if (!(bool)Run(connection, "SELECT pg_try_advisory_lock(hashtext($1))", entity)!)
        {
            throw new EntityBusyException(entity);
        }
    }

    public static void Release(NpgsqlConnection connection, string entity) => Run(connection, "SELECT pg_advisory_unlock(hashtext($1))", entity);

    private static object? Run(NpgsqlConnection connection, string sql, string entity)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "successapp:" + entity });
        return command.ExecuteScalar();
    }
}
