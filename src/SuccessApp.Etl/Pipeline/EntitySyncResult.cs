using SuccessApp.Etl.Flattening;

namespace SuccessApp.Etl.Pipeline;

/// <summary>What a sync of one entity from one source did; every record read is accounted for.</summary>
public sealed class EntitySyncResult
{
    public required string Entity { get; init; }

    public required string Source { get; init; }

    /// <summary>Checkpoint of an interrupted earlier run that this one continued after, or null.</summary>
    public string? ResumedFrom { get; set; }

    public long RecordsRead { get; set; }

    /// <summary>Flattened and sent to the database (newest version of each key in its chunk).</summary>
    public long RecordsLoaded { get; set; }

    public long Duplicates { get; set; }

    /// <summary>Older versions dropped because a newer one of the same key was in the same chunk.</summary>
    public long Stale { get; set; }

    /// <summary>Records with keys new to the table, copied straight in rather than merged from staging.</summary>
    public long RecordsCopiedDirect { get; set; }

    /// <summary>Time the parser waited for the database to take a chunk (the database is the bottleneck).</summary>
    public TimeSpan WaitingForDatabase { get; set; }

    /// <summary>Time the database writer waited for the parser to fill a chunk (the source or parsing is the bottleneck).</summary>
    public TimeSpan WaitingForSource { get; set; }

    /// <summary>Chunks whose direct copy met a key another writer stored meanwhile, written again through the merge.</summary>
    public int DirectFallbacks { get; set; }

    /// <summary>Records replaced in their chunk by a later version (counted in <see cref="RecordsLoaded"/> only once per key).</summary>
    public long Superseded { get; set; }

    /// <summary>Records that could not be loaded at all; kept whole in the rejects table.</summary>
    public long RejectedWhole { get; set; }

    /// <summary>Reject rows written (values NULLed, elements and whole records).</summary>
    public long RejectRows { get; set; }

    public long DuplicateElements { get; set; }

    /// <summary>Records whose stored rows changed (new, or newer with different content).</summary>
    public long RecordsChanged { get; set; }

    public long BytesRead { get; set; }

    public long NulCharactersStripped { get; set; }

    public int Chunks { get; set; }

    public Dictionary<string, long> RowsPerTable { get; } = [];

    public List<DriftedField> UnknownFields { get; } = [];

    public TimeSpan Elapsed { get; set; }

    /// <summary>Read = loaded + superseded + duplicates + stale + rejected: the reconciliation the summary prints.</summary>
    public bool Reconciles => RecordsRead == RecordsLoaded + Superseded + Duplicates + Stale + RejectedWhole;
}
