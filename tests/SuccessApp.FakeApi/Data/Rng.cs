using System.Globalization;
using System.Text;

namespace SuccessApp.FakeApi.Data;

/// <summary>
/// A small deterministic generator (SplitMix64): the same seed gives the same values on every machine and run,
/// which is what lets a fault-free and a faulty run be compared record for record.
/// </summary>
public struct Rng(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for one thing (an entity's record, a version), mixed from a seed and a few numbers.</summary>
    public static Rng For(ulong seed, string salt, long a, long b = 0)
    {
        var h = seed ^ 0x9E3779B97F4A7C15UL;
        foreach (var c in salt)
        {
            h = Mix(h ^ c);
        }
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b ^ 0xD1B54A32D192ED03UL);
        return new Rng(h);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>0 ≤ value &lt; <paramref name="max"/>.</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    public int Next(int min, int max) => min + Next(max - min);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A version-4 UUID in its canonical 36-character form.</summary>
    public string Uuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], NextUInt64());
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        return string.Create(CultureInfo.InvariantCulture, $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}");
    }

    public string Word(IReadOnlyList<string> words, int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(' ');
            }
            text.Append(Pick(words));
        }
        return text.ToString();
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
