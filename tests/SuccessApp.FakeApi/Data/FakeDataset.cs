using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace SuccessApp.FakeApi.Data;

/// <summary>One record as the API sends it at one position of its list: which key, which version, first sent where.</summary>
/// <param name="Origin">Position where this version first appeared; its <c>updated_at</c> and shape derive from it.</param>
public readonly record struct Emission(int Key, int Version, int Origin);

/// <summary>Everything a generator needs to write one version of one record.</summary>
public readonly record struct RecordVersion(ulong Seed, int Key, int Version, DateTime UpdatedAt, bool WithNewFields);

/// <summary>Writes the records of one entity, valid against its schema.</summary>
public interface IRecordGenerator
{
    string Entity { get; }

    void Write(Utf8JsonWriter writer, RecordVersion record);
}

/// <summary>
/// The list an entity's endpoint serves, in order, generated from a seed: every key once in its first version, plus
/// exact duplicates of records sent a little earlier (so they land on other pages) and newer versions of earlier
/// keys (a later page carries a newer version of a key an earlier page had). Records from
/// <see cref="NewFieldsFrom"/> on carry fields the schemas do not know yet. <c>updated_at</c> grows along the list,
/// so <c>updated_since</c> selects a suffix of it (duplicates keep their original, older time).
/// </summary>
public sealed class FakeDataset
{
    public static readonly DateTime BaseTime = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public const int SecondsPerEmission = 37;

    private const int Window = 300;

    private readonly Emission[] _emissions;
    private readonly ConcurrentDictionary<long, int[]> _filtered = new();

    public FakeDataset(IRecordGenerator generator, ulong seed, int keys, double duplicateRate = 0.06, double updateRate = 0.05, double newFieldsAt = 0.5)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegative(keys);
        Generator = generator;
        Seed = seed;
        Keys = keys;
        var rng = Rng.For(seed, "emissions:" + generator.Entity, keys);
        var versions = new int[keys];
        var origins = new int[keys];
        var list = new List<Emission>(keys + keys / 8 + 16);
        var next = 0;
        // Bounded: each turn either emits a new key (at most keys times) or, with probability below 1, an extra.
        for (var guard = 0; next < keys && guard < keys * 4 + 16; guard++)
        {
            var roll = rng.NextDouble();
            var index = list.Count;
            if (next > 10 && roll < duplicateRate + updateRate)
            {
                var earlier = next - 1 - rng.Next(Math.Min(next, Window));
                if (roll < duplicateRate)
                {
                    list.Add(new Emission(earlier, versions[earlier], origins[earlier]));
                    Duplicates++;
                }
                else
                {
                    versions[earlier]++;
                    origins[earlier] = index;
                    list.Add(new Emission(earlier, versions[earlier], index));
                    Updates++;
                }
                continue;
            }
            origins[next] = index;
            list.Add(new Emission(next, 0, index));
            next++;
        }
        _emissions = [.. list];
        NewFieldsFrom = (int)(_emissions.Length * newFieldsAt);
        NewestVersions = versions;
    }

    public IRecordGenerator Generator { get; }

    public string Entity => Generator.Entity;

    public ulong Seed { get; }

    /// <summary>Distinct records (keys).</summary>
    public int Keys { get; }

    public int Duplicates { get; }

    public int Updates { get; }

    /// <summary>First position whose records carry fields unknown to the schema.</summary>
    public int NewFieldsFrom { get; }

    /// <summary>The newest version of every key.</summary>
    public IReadOnlyList<int> NewestVersions { get; }

    public IReadOnlyList<Emission> Emissions => _emissions;

    public static DateTime UpdatedAt(int origin) => BaseTime.AddSeconds((long)origin * SecondsPerEmission);

    /// <summary>Newest <c>updated_at</c> in the whole list.</summary>
    public DateTime NewestUpdate => _emissions.Length == 0 ? BaseTime : UpdatedAt(_emissions.Max(e => e.Origin));

    /// <summary>Positions of the records with <c>updated_at</c> ≥ <paramref name="since"/> (all when null).</summary>
    public int[] Select(DateTime? since)
    {
        var key = since?.Ticks ?? -1;
        return _filtered.GetOrAdd(key, _ =>
        {
            var selected = new List<int>(_emissions.Length);
            for (var i = 0; i < _emissions.Length; i++)
            {
                if (since is not { } s || UpdatedAt(_emissions[i].Origin) >= s)
                {
                    selected.Add(i);
                }
            }
            return [.. selected];
        });
    }

    public void WriteRecord(Utf8JsonWriter writer, int position)
    {
        var emission = _emissions[position];
        Generator.Write(writer, new RecordVersion(Seed, emission.Key, emission.Version, UpdatedAt(emission.Origin), emission.Origin >= NewFieldsFrom));
    }

    /// <summary>The API's time format: <c>yyyy-MM-dd HH:mm:ss</c>, UTC.</summary>
    public static string Format(DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Reads <c>updated_since</c> as the API does: its own format or RFC 3339, as UTC.</summary>
    public static bool TryParseSince(string? text, out DateTime since)
    {
        since = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        if (DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since))
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var offset))
        {
            since = offset.UtcDateTime;
            return true;
        }
        return false;
    }
}
