using Npgsql;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Etl.Loading;

/// <summary>What a replay of an entity's rejected records did.</summary>
public sealed record ReplayResult(string Entity, long Pending, long Replayed, long StillRejected, EntitySyncResult Sync);

/// <summary>How a pending whole-record reject fares under the current schema, without writing anything.</summary>
public sealed record ReplayPreview(string Entity, long Pending, long WouldLoad, IReadOnlyList<(string Reason, long Count)> StillRejected);

/// <summary>One line of <c>successapp rejects list</c>.</summary>
public sealed record RejectSummary(string Entity, bool WholeRecord, string Reason, long Pending, long Replayed);

/// <summary>
/// Feeds an entity's whole-record rejects (records that loaded nothing: malformed JSON, no valid key) through the
/// normal pipeline again, after the schema was fixed and rebuilt or a stored <c>raw_value</c> was repaired by hand.
/// A reject that now loads is marked <c>replayed_at</c> in the same transaction as its rows, so a stopped replay
/// resumes with exactly the records not yet loaded; one that is rejected again stays pending, unchanged (no second
/// reject row). Value rejects are not replayed: their record was loaded (with NULL in that column); reading the
/// source again after the fix fills the value in.
/// </summary>
public static class RejectReplay
{
    /// <summary>Name of the replay's source in <c>successapp_state</c> and in the rejects' <c>source</c> column.</summary>
    public const string SourceName = "successapp_rejects";

    private const string MarkReplayed = """
        UPDATE "successapp_rejects" r SET "replayed_at" = now(), "replay_run_id" = $1
        WHERE r."entity" = $2 AND r."whole_record" AND r."replayed_at" IS NULL AND r."id" > $3 AND r."id" <= $4
          AND NOT EXISTS (
              SELECT 1 FROM "_stage_rejects" s
              WHERE s."whole_record" AND s."raw_value" = r."raw_value" AND s."raw_bytes" IS NOT DISTINCT FROM r."raw_bytes")
        """;

    private const string CountPending = """
        SELECT count(*), coalesce(max("id"), 0) FROM "successapp_rejects" WHERE "entity" = $1 AND "whole_record" AND "replayed_at" IS NULL
        """;

    public static async Task<ReplayResult> RunAsync(NpgsqlDataSource dataSource, EntityDefinition entity, Guid runId, SyncOptions options, CancellationToken cancellationToken)
    {
        var (pending, lastId) = await PendingAsync(dataSource, entity.Name, cancellationToken);
        var replayOptions = options with
        {
            // Always from the first pending reject: the marks, not a saved position, say what is left.
            FullRefresh = true,
            BeforeCommit = commit =>
            {
                options.BeforeCommit?.Invoke(commit);
                using var mark = new NpgsqlCommand(MarkReplayed, commit.Connection, commit.Transaction);
                mark.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId });
                mark.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity.Name });
                mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = commit.Previous is { } previous ? ParseId(previous.Checkpoint) : 0 });
                mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ParseId(commit.Position.Checkpoint) });
                mark.ExecuteNonQuery();
            },
        };
        EntitySyncResult sync;
        await using (var source = new RejectReplaySource(dataSource, entity.Name, lastId))
        {
            sync = await SyncPipeline.RunAsync(dataSource, entity, source, runId, replayOptions, cancellationToken);
        }
        // Counted from what committed, so a retried chunk is not counted twice.
        await using var count = dataSource.CreateCommand("""SELECT count(*) FROM "successapp_rejects" WHERE "replay_run_id" = $1 AND "entity" = $2""");
        count.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = runId });
        count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity.Name });
        var replayed = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return new ReplayResult(entity.Name, pending, replayed, pending - replayed, sync);
    }

    private static long ParseId(string checkpoint) => long.Parse(checkpoint, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Classifies every pending whole-record reject with the current schema; writes nothing.</summary>
    public static async Task<ReplayPreview> PreviewAsync(NpgsqlDataSource dataSource, EntityDefinition entity, CancellationToken cancellationToken)
    {
        var (pending, lastId) = await PendingAsync(dataSource, entity.Name, cancellationToken);
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        long wouldLoad = 0;
        using var batch = entity.CreateBatch();
        await using var source = new RejectReplaySource(dataSource, entity.Name, lastId);
        await source.StartAsync(null, null, cancellationToken);
        while (await source.ReadNextAsync(cancellationToken))
        {
            batch.Clear();
            batch.Add(source.Current.Bytes);
            if (WholeRejectReason(batch) is { } reason)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
            else
            {
                wouldLoad++;
            }
        }
        return new ReplayPreview(entity.Name, pending, wouldLoad, [.. reasons.OrderByDescending(r => r.Value).Select(r => (r.Key, r.Value))]);
    }

    /// <summary>
    /// Rejects per entity, kind and reason (numbers in reasons, such as line and byte positions, shown as N so like
    /// reasons group): how many wait for a replay and how many were replayed.
    /// </summary>
    public static async Task<IReadOnlyList<RejectSummary>> ListAsync(NpgsqlDataSource dataSource, string? entity, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT "entity", "whole_record", regexp_replace("reason", '[0-9]+', 'N', 'g'), count(*) FILTER (WHERE "replayed_at" IS NULL), count(*) FILTER (WHERE "replayed_at" IS NOT NULL)
            FROM "successapp_rejects"
            WHERE $1::text IS NULL OR "entity" = $1
            GROUP BY 1, 2, 3
            ORDER BY 1, 2 DESC, 4 DESC, 3
            """);
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = entity, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var list = new List<RejectSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new RejectSummary(reader.GetString(0), reader.GetBoolean(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)));
        }
        return list;
    }

    private static string? WholeRejectReason(EntityBatch batch)
    {
        foreach (ref readonly var reject in batch.Context.Rejects.AsSpan())
        {
            if (reject.Whole)
            {
                return reject.Reason;
            }
        }
        return null;
    }

    private static async Task<(long Count, long LastId)> PendingAsync(NpgsqlDataSource dataSource, string entity, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CountPending);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}

/// <summary>
/// The pending whole-record rejects of one entity, oldest first, up to the last one that existed when the replay
/// started, read a page at a time. Each frame holds the record's exact bytes (<c>raw_bytes</c> when the record was
/// not valid UTF-8 text, else <c>raw_value</c>). The checkpoint is the id of the last reject handed out.
/// </summary>
public sealed class RejectReplaySource(NpgsqlDataSource dataSource, string entity, long lastId, int pageSize = 500) : RecordSource
{
    private const string Page = """
        SELECT "id", coalesce("raw_bytes", convert_to("raw_value", 'UTF8')) FROM "successapp_rejects"
        WHERE "entity" = $1 AND "whole_record" AND "replayed_at" IS NULL AND "id" > $2 AND "id" <= $3
        ORDER BY "id" LIMIT $4
        """;

    private readonly List<(long Id, byte[] Bytes)> _page = [];
    private int _next;
    private long _after;
    private long _ordinal = -1;
    private long _bytesRead;
    private bool _exhausted;
    private RecordFrame _current;

    public override string Name => RejectReplay.SourceName;

    public override long BytesRead => _bytesRead;

    public override RecordFrame Current => _current;

    public override string Checkpoint => _after.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override ValueTask StartAsync(string? checkpoint, string? maxCursor, CancellationToken cancellationToken)
    {
        _after = 0;
        return ValueTask.CompletedTask;
    }

    public override async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_next == _page.Count)
        {
            if (_exhausted || !await FetchAsync(cancellationToken))
            {
                return false;
            }
        }
        var (id, bytes) = _page[_next++];
        _after = id;
        _ordinal++;
        _bytesRead += bytes.Length;
        _current = new RecordFrame(RecordFrameStatus.Ok, bytes, _ordinal, 0, 0, bytes.Length);
        return true;
    }

    private async Task<bool> FetchAsync(CancellationToken cancellationToken)
    {
        _page.Clear();
        _next = 0;
        await using var command = dataSource.CreateCommand(Page);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = _after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lastId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pageSize });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            _page.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
        }
        _exhausted = _page.Count < pageSize;
        return _page.Count > 0;
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
