namespace SuccessApp.Etl.Flattening;

/// <summary>
/// A fixed-size, direct-mapped memory of (key hash, content hash) pairs of committed records, used to drop exact
/// duplicates that arrive in later chunks before they are written. Its size is fixed at construction
/// (16 bytes an entry; the default 1,048,576 entries take 16 MiB), whatever the input size: a newer entry simply
/// overwrites an older one in its slot. Forgetting is safe: the database's <c>_hash</c> comparison makes a
/// re-sent duplicate a no-op. A hit needs both 64-bit hashes to match.
/// </summary>
public sealed class RecentRecordCache
{
    public const int DefaultEntries = 1 << 20;

    private readonly ulong[] _keys;
    private readonly ulong[] _contents;
    private readonly int _mask;

    public RecentRecordCache(int entries = DefaultEntries)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(entries, 16));
        _keys = new ulong[size];
        _contents = new ulong[size];
        _mask = size - 1;
    }

    public int Entries => _keys.Length;

    public long Bytes => _keys.Length * 16L;

    public bool Contains(ulong keyHash, ulong contentHash)
    {
        var slot = (int)(keyHash & (ulong)_mask);
        // Content hash 0 marks an empty slot; a real hash of 0 is only ever a miss.
        return _contents[slot] != 0 && _keys[slot] == keyHash && _contents[slot] == contentHash;
    }

    public void Remember(ulong keyHash, ulong contentHash)
    {
        var slot = (int)(keyHash & (ulong)_mask);
        _keys[slot] = keyHash;
        _contents[slot] = contentHash;
    }

    public void Clear()
    {
        Array.Clear(_keys);
        Array.Clear(_contents);
    }
}
