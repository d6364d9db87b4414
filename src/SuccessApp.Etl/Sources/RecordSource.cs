namespace SuccessApp.Etl.Sources;

/// <summary>
/// Where an entity's records come from, one frame at a time. A source can say where it stands
/// (<see cref="Checkpoint"/>): committed with each chunk, and handed back to <see cref="StartAsync"/> after a stop so
/// the next run continues after the last committed record.
/// </summary>
public abstract class RecordSource : IAsyncDisposable
{
    /// <summary>Stable name of the source (file path, API endpoint): the key of its resume state.</summary>
    public abstract string Name { get; }

    /// <summary>Bytes received so far.</summary>
    public abstract long BytesRead { get; }

    /// <summary>Total records, when the source knows it (for percent and ETA), else null.</summary>
    public virtual long? TotalRecords => null;

    /// <summary>Opens the source, resuming after <paramref name="checkpoint"/> (null: from the start).</summary>
    public abstract ValueTask StartAsync(string? checkpoint, string? maxCursor, CancellationToken cancellationToken);

    /// <summary>Moves to the next frame; false at the end of the source.</summary>
    public abstract ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken);

    /// <summary>The frame <see cref="ReadNextAsync"/> moved to; valid until the next call.</summary>
    public abstract RecordFrame Current { get; }

    /// <summary>Resume token for "everything up to and including <see cref="Current"/> is consumed".</summary>
    public abstract string Checkpoint { get; }

    public abstract ValueTask DisposeAsync();
}

/// <summary>A file (or any stream) of NDJSON, a JSON array, or saved API pages. The checkpoint is the record count.</summary>
public sealed class StreamRecordSource(Stream stream, string name, RecordFramerOptions? options = null, bool ownsStream = true) : RecordSource
{
    private RecordFramer? _framer;
    private long _skip;
    private long _consumed;

    public override string Name { get; } = name;

    public override long BytesRead => _framer?.BytesRead ?? 0;

    public override RecordFrame Current => _framer!.Current;

    public override string Checkpoint => _consumed.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override ValueTask StartAsync(string? checkpoint, string? maxCursor, CancellationToken cancellationToken)
    {
        _framer = new RecordFramer(stream, options);
        _skip = long.TryParse(checkpoint, System.Globalization.CultureInfo.InvariantCulture, out var skip) ? skip : 0;
        return ValueTask.CompletedTask;
    }

    public override async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        while (await _framer!.ReadNextAsync(cancellationToken))
        {
            _consumed = _framer.Current.Ordinal + 1;
            if (_framer.Current.Ordinal >= _skip)
            {
                return true;
            }
        }
        return false;
    }

    public override async ValueTask DisposeAsync()
    {
        _framer?.Dispose();
        if (ownsStream)
        {
            await stream.DisposeAsync();
        }
    }
}
