using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;
using SuccessApp.Etl.Pipeline;
using SuccessApp.Etl.Postgres;
using SuccessApp.Etl.Schema;
using SuccessApp.Etl.Sources;

namespace SuccessApp.Worker;

/// <summary>
/// <c>successapp bench …</c>: the worker's own stages without a database, for bench/compare.sh.
/// <list type="bullet">
/// <item><c>flatten</c>: frame, flatten and deduplicate through the same batches and chunking as sync.</item>
/// <item><c>scan</c>: a bare <see cref="Utf8JsonReader"/> token scan of every framed record (the parse limit).</item>
/// <item><c>dump-copy</c>: the binary COPY stream sync would send, one file per table, for <c>COPY … FROM 'file'</c>.</item>
/// </list>
/// Everything runs on one thread, so <see cref="GC.GetAllocatedBytesForCurrentThread"/> counts all of it.
/// </summary>
public static class BenchCommand
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static Command Create()
    {
        var bench = new Command("bench", "Measure the worker's stages on a file without a database (used by bench/compare.sh).");
        bench.Subcommands.Add(FlattenCommand());
        bench.Subcommands.Add(ScanCommand());
        bench.Subcommands.Add(DumpCopyCommand());
        return bench;
    }

    private static Option<string> SourceOption() => new("--source", "-s") { Description = "NDJSON, JSON array or saved pages file.", Required = true };

    private static Option<string> EntityOption() => new("--entity", "-e") { Description = "Entity whose generated batch flattens the records.", DefaultValueFactory = _ => "deals" };

    private static Option<int> ChunkOption() => new("--chunk-size") { Description = "Records per chunk, as in sync.", DefaultValueFactory = _ => new SyncOptions().ChunkSize };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object instead of text." };

    private static Command FlattenCommand()
    {
        var source = SourceOption();
        var entity = EntityOption();
        var chunk = ChunkOption();
        var json = JsonOption();
        var command = new Command("flatten", "Frame + flatten + dedup every record through the sync batches, chunked; no database.") { source, entity, chunk, json };
        command.SetAction(parse =>
        {
            var definition = FindEntity(parse.GetValue(entity)!);
            var totals = new long[definition.Tables.Count];
            var result = RunChunks(parse.GetValue(source)!, definition, parse.GetValue(chunk), batch =>
            {
                // Indexes, not foreach over IReadOnlyList: its enumerator would be an allocation per chunk.
                for (var t = 0; t < totals.Length; t++)
                {
                    totals[t] += batch.CountRows(t);
                }
            });
            Report(parse.GetValue(json), "flatten", result, definition, totals);
            return 0;
        });
        return command;
    }

    private static Command DumpCopyCommand()
    {
        var source = SourceOption();
        var entity = EntityOption();
        var chunk = ChunkOption();
        var json = JsonOption();
        var output = new Option<string>("--out", "-o") { Description = "Directory for <table>.pgcopy files, copy.sql and manifest.json.", Required = true };
        var command = new Command("dump-copy", "Write the binary COPY stream sync would send: one file per table, the live rows of every chunk, one header and one trailer.")
        {
            source, entity, chunk, output, json,
        };
        command.SetAction(parse =>
        {
            var definition = FindEntity(parse.GetValue(entity)!);
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(directory);
            var files = new FileStream[definition.Tables.Count];
            var writers = new PgBinaryCopyWriter[definition.Tables.Count];
            var totals = new long[definition.Tables.Count];
            BenchResult result;
            try
            {
                foreach (var table in definition.Tables)
                {
                    files[table.Index] = new FileStream(CopyFile(directory, table), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
                    writers[table.Index] = new PgBinaryCopyWriter(files[table.Index]);
                    writers[table.Index].WriteHeader();
                }
                result = RunChunks(parse.GetValue(source)!, definition, parse.GetValue(chunk), batch =>
                {
                    for (var t = 0; t < writers.Length; t++)
                    {
                        batch.WriteRows(t, writers[t]);
                    }
                });
                foreach (var table in definition.Tables)
                {
                    var writer = writers[table.Index];
                    writer.WriteTrailer();
                    writer.Flush();
                    totals[table.Index] = writer.RowsWritten;
                }
            }
            finally
            {
                foreach (var writer in writers)
                {
                    writer?.Dispose();
                }
                foreach (var file in files)
                {
                    file?.Dispose();
                }
            }
            WriteCopyScript(directory, definition);
            WriteManifest(directory, definition, totals);
            Report(parse.GetValue(json), "dump-copy", result, definition, totals);
            return 0;
        });
        return command;
    }

    private static Command ScanCommand()
    {
        var source = SourceOption();
        var json = JsonOption();
        var command = new Command("scan", "Frame every record with the sync framer and read all its tokens with a bare Utf8JsonReader: the parse limit.") { source, json };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(source)!);
            using var stream = OpenSource(path);
            using var framer = new RecordFramer(stream, new SyncOptions().Framer);
            long records = 0, tokens = 0, invalid = 0, allocatedBefore = 0;
            var firstChunk = new SyncOptions().ChunkSize;
            var clock = Stopwatch.StartNew();
            while (framer.TryReadNext(out var frame))
            {
                if (frame.Status != RecordFrameStatus.Ok)
                {
                    invalid++;
                    continue;
                }
                tokens += CountTokens(frame.Bytes);
                if (++records == firstChunk)
                {
                    allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                }
            }
            var elapsed = clock.Elapsed;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var steadyRecords = records - Math.Min(records, firstChunk);
            var perRecord = steadyRecords > 0 ? (double)allocated / steadyRecords : double.NaN;
            if (parse.GetValue(json))
            {
                WriteJson(w =>
                {
                    w.WriteString("mode", "scan");
                    w.WriteNumber("records", records);
                    w.WriteNumber("invalid", invalid);
                    w.WriteNumber("tokens", tokens);
                    w.WriteNumber("bytes", framer.BytesRead);
                    w.WriteNumber("seconds", elapsed.TotalSeconds);
                    w.WriteNumber("mb_per_s", Rate(framer.BytesRead / 1048576.0, elapsed));
                    w.WriteNumber("records_per_s", Rate(records, elapsed));
                    WriteNumberOrNull(w, "allocated_bytes_per_record", perRecord);
                    w.WriteNumber("peak_rss_mb", Summary.PeakResidentMegabytes());
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(C, $"scan: {records:N0} records ({invalid:N0} not framed as Ok), {tokens:N0} tokens, {framer.BytesRead / 1048576.0:F1} MB in {elapsed.TotalSeconds:F3} s"));
                Console.Out.WriteLine(string.Create(C, $"  {Rate(framer.BytesRead / 1048576.0, elapsed):F1} MB/s, {Rate(records, elapsed):F0} records/s, {perRecord:F2} bytes allocated per record after the first {firstChunk:N0}, peak RSS {Summary.PeakResidentMegabytes():F0} MB"));
            }
            return 0;
        });
        return command;
    }

    private static long CountTokens(ReadOnlySpan<byte> record)
    {
        var reader = new Utf8JsonReader(record, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        long tokens = 0;
        try
        {
            while (reader.Read())
            {
                tokens++;
            }
        }
        catch (JsonException)
        {
            // A record the framer accepted but the reader rejects still costs what was read of it.
        }
        return tokens;
    }

    /// <param name="AllocatedPerRecord">Bytes allocated per record after the first chunk.</param>
    /// <param name="AllocatedPerRecordWarm">
    /// The same after the first two chunks: sync alternates two batches, and the second one grows its buffers
    /// while it fills for the first time, in chunk 2. From then on nothing should be allocated.
    /// </param>
    private sealed record BenchResult(
        long Records, long Bytes, TimeSpan Elapsed, long Chunks, double AllocatedPerRecord, double AllocatedPerRecordWarm,
        long Duplicates, long Stale, long Superseded, long Rejected);

    /// <summary>
    /// The read side of <see cref="SyncPipeline"/>, on one thread: the same framer options, the same two batches
    /// sharing one recent-record cache, the same chunk boundaries and the same RememberCommitted-on-hand-off.
    /// <paramref name="onChunk"/> stands where the writer would COPY the chunk.
    /// </summary>
    private static BenchResult RunChunks(string sourcePath, EntityDefinition entity, int chunkSize, Action<EntityBatch> onChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        var options = new SyncOptions { ChunkSize = chunkSize };
        var path = Path.GetFullPath(sourcePath);
        using var stream = OpenSource(path);
        using var framer = new RecordFramer(stream, options.Framer);
        var recent = new RecentRecordCache(options.RecentRecordEntries);
        EntityBatch[] batches = [entity.CreateBatch(), entity.CreateBatch()];
        foreach (var b in batches)
        {
            b.Recent = recent;
        }
        long records = 0, chunks = 0, duplicates = 0, stale = 0, superseded = 0, rejected = 0;
        long allocatedAfterFirst = -1, recordsAfterFirst = 0, allocatedAfterWarm = -1, recordsAfterWarm = 0;
        var current = 0;
        var batch = batches[current];
        batch.Clear();
        var clock = Stopwatch.StartNew();

        void Hand(EntityBatch full)
        {
            full.RememberCommitted();
            onChunk(full);
            records += full.Counters.Records;
            duplicates += full.Counters.Duplicates;
            stale += full.Counters.Stale;
            superseded += full.Counters.Superseded;
            rejected += full.Counters.Rejected;
            chunks++;
            if (chunks == 1)
            {
                allocatedAfterFirst = GC.GetAllocatedBytesForCurrentThread();
                recordsAfterFirst = records;
            }
            else if (chunks == batches.Length)
            {
                allocatedAfterWarm = GC.GetAllocatedBytesForCurrentThread();
                recordsAfterWarm = records;
            }
        }

        while (framer.TryReadNext(out var frame))
        {
            switch (frame.Status)
            {
                case RecordFrameStatus.Ok:
                    batch.Add(frame.Bytes);
                    break;
                case RecordFrameStatus.TooLarge:
                    batch.RejectRecord(frame.Bytes, "record larger than the framer's limit");
                    break;
                default:
                    batch.RejectRecord(frame.Bytes, "not a complete JSON value");
                    break;
            }
            if (batch.Counters.Records >= options.ChunkSize || batch.Context.Arena.Length >= options.MaxChunkTextBytes)
            {
                Hand(batch);
                current ^= 1;
                batch = batches[current];
                batch.Clear();
            }
        }
        if (batch.Counters.Records > 0)
        {
            Hand(batch);
        }
        var elapsed = clock.Elapsed;
        var allocatedAtEnd = GC.GetAllocatedBytesForCurrentThread();
        var perRecord = PerRecord(allocatedAtEnd - allocatedAfterFirst, allocatedAfterFirst >= 0 ? records - recordsAfterFirst : 0);
        var perRecordWarm = PerRecord(allocatedAtEnd - allocatedAfterWarm, allocatedAfterWarm >= 0 ? records - recordsAfterWarm : 0);
        var bytes = framer.BytesRead;
        foreach (var b in batches)
        {
            b.Dispose();
        }
        return new BenchResult(records, bytes, elapsed, chunks, perRecord, perRecordWarm, duplicates, stale, superseded, rejected);
    }

    private static double PerRecord(long allocated, long records) => records > 0 ? (double)allocated / records : double.NaN;

    private static void Report(bool json, string mode, BenchResult r, EntityDefinition entity, long[] rowsPerTable)
    {
        var rows = rowsPerTable.Sum();
        var mb = r.Bytes / 1048576.0;
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("mode", mode);
                w.WriteString("entity", entity.Name);
                w.WriteNumber("records", r.Records);
                w.WriteNumber("rows", rows);
                w.WriteNumber("bytes", r.Bytes);
                w.WriteNumber("chunks", r.Chunks);
                w.WriteNumber("seconds", r.Elapsed.TotalSeconds);
                w.WriteNumber("mb_per_s", Rate(mb, r.Elapsed));
                w.WriteNumber("records_per_s", Rate(r.Records, r.Elapsed));
                w.WriteNumber("rows_per_s", Rate(rows, r.Elapsed));
                WriteNumberOrNull(w, "allocated_bytes_per_record", r.AllocatedPerRecord);
                WriteNumberOrNull(w, "allocated_bytes_per_record_warm", r.AllocatedPerRecordWarm);
                w.WriteNumber("duplicates", r.Duplicates);
                w.WriteNumber("stale", r.Stale);
                w.WriteNumber("superseded", r.Superseded);
                w.WriteNumber("rejected", r.Rejected);
                w.WriteNumber("peak_rss_mb", Summary.PeakResidentMegabytes());
                w.WriteStartObject("rows_per_table");
                foreach (var table in entity.Tables)
                {
                    w.WriteNumber(table.Name, rowsPerTable[table.Index]);
                }
                w.WriteEndObject();
            });
            return;
        }
        var o = Console.Out;
        o.WriteLine(string.Create(C, $"{mode} {entity.Name}: {r.Records:N0} records in {r.Chunks:N0} chunks -> {rows:N0} rows, {mb:F1} MB in {r.Elapsed.TotalSeconds:F3} s"));
        o.WriteLine(string.Create(C, $"  {Rate(mb, r.Elapsed):F1} MB/s, {Rate(r.Records, r.Elapsed):F0} records/s, {Rate(rows, r.Elapsed):F0} rows/s"));
        o.WriteLine(string.Create(C, $"  allocated: {r.AllocatedPerRecord:F2} bytes per record after the first chunk, {r.AllocatedPerRecordWarm:F2} after both batches' first chunk"));
        o.WriteLine(string.Create(C, $"  duplicates {r.Duplicates:N0}, older versions {r.Stale + r.Superseded:N0}, rejected {r.Rejected:N0}; peak RSS {Summary.PeakResidentMegabytes():F0} MB"));
        foreach (var table in entity.Tables)
        {
            o.WriteLine(string.Create(C, $"    {table.Name,-34} {rowsPerTable[table.Index],12:N0}"));
        }
    }

    private static string CopyFile(string directory, TableDefinition table) => Path.Combine(directory, table.Name + ".pgcopy");

    /// <summary>The staging column order the COPY stream is written in: every column but <c>_loaded_at</c>.</summary>
    private static IEnumerable<string> CopyColumns(TableDefinition table) =>
        table.Columns.Where(c => c.Role != ColumnRole.LoadedAt).Select(c => QuoteIdentifier(c.Name));

    private static void WriteCopyScript(string directory, EntityDefinition entity)
    {
        var sql = new StringBuilder();
        sql.AppendLine("-- COPY of exactly the rows `successapp sync` sends, from the files beside this script (run by the server: it must be able to read them).");
        foreach (var table in entity.Tables)
        {
            sql.Append(C, $"COPY {QuoteIdentifier(table.Name)} ({string.Join(", ", CopyColumns(table))}) FROM {QuoteLiteral(CopyFile(directory, table))} (FORMAT binary);").AppendLine();
        }
        File.WriteAllText(Path.Combine(directory, "copy.sql"), sql.ToString());
    }

    private static void WriteManifest(string directory, EntityDefinition entity, long[] rowsPerTable)
    {
        using var file = File.Create(Path.Combine(directory, "manifest.json"));
        using var w = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("entity", entity.Name);
        w.WriteStartArray("tables");
        foreach (var table in entity.Tables)
        {
            w.WriteStartObject();
            w.WriteString("table", table.Name);
            w.WriteString("file", CopyFile(directory, table));
            w.WriteNumber("rows", rowsPerTable[table.Index]);
            w.WriteNumber("bytes", new FileInfo(CopyFile(directory, table)).Length);
            w.WriteString("copy", $"COPY {QuoteIdentifier(table.Name)} ({string.Join(", ", CopyColumns(table))}) FROM {QuoteLiteral(CopyFile(directory, table))} (FORMAT binary)");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static EntityDefinition FindEntity(string name) =>
        SchemaRegistry.Find(name) ?? throw new ArgumentException($"Unknown entity '{name}'. Known: {string.Join(", ", SchemaRegistry.Entities.Select(e => e.Name))}.");

    private static FileStream OpenSource(string path) =>
        File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan)
            : throw new FileNotFoundException($"Source file not found: {path}", path);

    private static double Rate(double amount, TimeSpan elapsed) => elapsed.TotalSeconds <= 0 ? 0 : amount / elapsed.TotalSeconds;

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteJson(Action<Utf8JsonWriter> body)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(stdout))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        stdout.WriteByte((byte)'\n');
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteLiteral(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
