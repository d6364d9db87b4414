using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using SuccessApp.Etl.Sampling;

namespace SuccessApp.Etl.Tests.Sampling;

/// <summary>
/// Re-derives, from the NDJSON bytes alone, what <see cref="SampleStats"/> claims: every line is classified as a
/// byte-for-byte repeat, a new key, or an older/newer version by its <c>updated_at</c> against the key's earlier
/// lines. Anything that fits none of these, or any schema issue that is not a deliberate anomaly, lands in
/// <see cref="Problems"/>.
/// </summary>
internal sealed class SampleAnalysis
{
    private static readonly HashSet<string> TimestampNames = ["created_at", "updated_at", "entered_at", "left_at"];

    public int Lines { get; private set; }
    public int ExactDuplicates { get; private set; }
    public int UniqueKeys { get; private set; }
    public int OlderVersions { get; private set; }
    public int NewerVersions { get; private set; }
    /// <summary>Newer lines with <c>territories: []</c> for a key that had territories in an earlier line.</summary>
    public int NewerWithEmptiedTerritories { get; private set; }
    public int MissingTags { get; private set; }
    public int NullTags { get; private set; }
    public int EmptyTerritories { get; private set; }
    public int UnknownField { get; private set; }
    public int InvalidUuid { get; private set; }
    /// <summary>Lines holding the invalid id whose own id is not the seed record's.</summary>
    public int InvalidUuidOutsideSeedKey { get; private set; }
    public int UnparsableTimestamp { get; private set; }
    public int MissingArray { get; private set; }
    public int EmptyArray { get; private set; }
    public int DeliberateIssues { get; private set; }
    public List<string> Problems { get; } = [];
    /// <summary>1-based line numbers of older versions, each written after a newer line of its key.</summary>
    public List<int> OlderLines { get; } = [];
    /// <summary>Kinds of JSON value seen in stage_history[].changes[].old_value/new_value.</summary>
    public HashSet<JsonValueKind> ChangeValueKinds { get; } = [];

    public static SampleAnalysis Run(ReadOnlySpan<byte> ndjson, string entity, SchemaChecker checker)
    {
        var analysis = new SampleAnalysis();
        analysis.Analyze(ndjson, entity, checker);
        return analysis;
    }

    private void Analyze(ReadOnlySpan<byte> ndjson, string entity, SchemaChecker checker)
    {
        if (ndjson.Length > 0 && ndjson[^1] != (byte)'\n')
        {
            Problems.Add("the output does not end with \\n");
        }
        if (!Utf8.IsValid(ndjson))
        {
            Problems.Add("the output is not valid UTF-8");
        }
        var seen = new HashSet<UInt128>();
        var keys = new Dictionary<string, KeyHistory>(StringComparer.Ordinal);
        var invalidId = Encoding.UTF8.GetBytes(SampleDataGenerator.InvalidTerritoryId);
        Span<byte> digest = stackalloc byte[32];
        var rest = ndjson;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            Lines++;
            if (line.IndexOf((byte)'\r') >= 0)
            {
                Problems.Add($"line {Lines}: contains \\r");
            }
            SHA256.HashData(line, digest);
            if (!seen.Add(new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]))))
            {
                ExactDuplicates++;
            }
            else
            {
                Classify(line, entity, checker, keys, invalidId);
                continue;
            }
            // A duplicate still counts for the per-line anomaly tallies, as SampleStats does.
            Tally(line, entity, checker, invalidId, out _);
        }
    }

    private void Classify(ReadOnlySpan<byte> line, string entity, SchemaChecker checker,
        Dictionary<string, KeyHistory> keys, byte[] invalidId)
    {
        if (!Tally(line, entity, checker, invalidId, out var record))
        {
            return;
        }
        var id = record.Id;
        if (!keys.TryGetValue(id, out var history))
        {
            UniqueKeys++;
            keys[id] = new KeyHistory(record.UpdatedAt, record.UpdatedAt, record.TerritoryCount > 0);
            return;
        }
        if (record.UpdatedAt > history.Newest)
        {
            NewerVersions++;
            if (record.TerritoryCount == 0 && history.HadTerritories)
            {
                NewerWithEmptiedTerritories++;
            }
            history.Newest = record.UpdatedAt;
        }
        else if (record.UpdatedAt < history.Oldest)
        {
            OlderVersions++;
            OlderLines.Add(Lines);
            history.Oldest = record.UpdatedAt;
        }
        else
        {
            Problems.Add($"line {Lines}: another line of {id} with an updated_at inside the range already written");
        }
        history.HadTerritories |= record.TerritoryCount > 0;
    }

    /// <summary>Parses and checks one line; false (and a problem) when it is not a usable record.</summary>
    private bool Tally(ReadOnlySpan<byte> line, string entity, SchemaChecker checker, byte[] invalidId, out LineRecord record)
    {
        record = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException ex)
        {
            Problems.Add($"line {Lines}: not JSON: {ex.Message}");
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement)
                || idElement.ValueKind != JsonValueKind.String)
            {
                Problems.Add($"line {Lines}: not an object with a string id");
                return false;
            }
            var id = idElement.GetString()!;
            if (!root.TryGetProperty("updated_at", out var updated) || updated.ValueKind != JsonValueKind.String
                || !DateTime.TryParseExact(updated.GetString(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var updatedAt))
            {
                Problems.Add($"line {Lines}: updated_at missing or not yyyy-MM-dd HH:mm:ss");
                return false;
            }

            var issues = checker.Check(root, entity);
            var kinds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var issue in issues)
            {
                var kind = Deliberate(issue);
                if (kind is null)
                {
                    Problems.Add($"line {Lines}: {issue.Kind} at {issue.Path}: {issue.Value}");
                }
                else
                {
                    kinds.Add(kind);
                    if (issue.Kind is not (IssueKind.MissingArray or IssueKind.EmptyArray))
                    {
                        DeliberateIssues++;
                    }
                }
            }
            UnknownField += kinds.Contains("unknown") ? 1 : 0;
            UnparsableTimestamp += kinds.Contains("timestamp") ? 1 : 0;
            MissingArray += kinds.Contains("missing") ? 1 : 0;
            EmptyArray += kinds.Contains("empty") ? 1 : 0;
            var hasInvalid = kinds.Contains("uuid");
            if (hasInvalid != (line.IndexOf(invalidId) >= 0))
            {
                Problems.Add($"line {Lines}: the invalid id appears outside territories[].id/target_id");
            }
            if (hasInvalid)
            {
                InvalidUuid++;
                InvalidUuidOutsideSeedKey += id == SampleDataGenerator.SeedRecordId ? 0 : 1;
            }

            var territoryCount = -1;
            if (root.TryGetProperty("territories", out var territories) && territories.ValueKind == JsonValueKind.Array)
            {
                territoryCount = territories.GetArrayLength();
                EmptyTerritories += territoryCount == 0 ? 1 : 0;
            }
            if (entity == SampleOptions.Deals)
            {
                if (!root.TryGetProperty("tags", out var tags))
                {
                    MissingTags++;
                }
                else if (tags.ValueKind == JsonValueKind.Null)
                {
                    NullTags++;
                }
                CheckMoney(root, "amount");
                CollectChangeValueKinds(root);
            }
            else
            {
                CheckMoney(root, "annual_revenue");
            }
            record = new LineRecord(id, updatedAt, territoryCount);
            return true;
        }
    }

    /// <summary>The anomaly an issue stands for, or null when it is a real defect.</summary>
    private static string? Deliberate(Issue issue) => issue.Kind switch
    {
        IssueKind.MissingArray => "missing",
        IssueKind.EmptyArray => "empty",
        IssueKind.Format when issue.Value == SampleDataGenerator.InvalidTerritoryId
            && issue.Path is "territories[].id" or "territories[].association.target_id" => "uuid",
        // Root updated_at is the version cursor: it must never be the broken one.
        IssueKind.Format when issue.Path != "updated_at" && TimestampNames.Contains(LastSegment(issue.Path)) => "timestamp",
        IssueKind.UnknownField when issue.Path is "priority" or "territories[].association.region" => "unknown",
        IssueKind.Type when issue.Path == "tags" && issue.Value == "null" => "null-tags",
        _ => null,
    };

    private static string LastSegment(string path) => path[(path.LastIndexOf('.') + 1)..];

    private void CheckMoney(JsonElement root, string name)
    {
        if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            var text = value.GetRawText();
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot < 1 || text.Length - dot - 1 != 2 || text.Contains('e', StringComparison.OrdinalIgnoreCase))
            {
                Problems.Add($"line {Lines}: {name} {text} does not have exactly two decimals");
            }
        }
    }

    private void CollectChangeValueKinds(JsonElement root)
    {
        if (!root.TryGetProperty("stage_history", out var stages) || stages.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var stage in stages.EnumerateArray())
        {
            if (stage.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Array)
            {
                foreach (var change in changes.EnumerateArray())
                {
                    ChangeValueKinds.Add(change.GetProperty("old_value").ValueKind);
                    ChangeValueKinds.Add(change.GetProperty("new_value").ValueKind);
                }
            }
        }
    }

    private readonly record struct LineRecord(string Id, DateTime UpdatedAt, int TerritoryCount);

    private sealed class KeyHistory(DateTime oldest, DateTime newest, bool hadTerritories)
    {
        public DateTime Oldest { get; set; } = oldest;
        public DateTime Newest { get; set; } = newest;
        public bool HadTerritories { get; set; } = hadTerritories;
    }
}
