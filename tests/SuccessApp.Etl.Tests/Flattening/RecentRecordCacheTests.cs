using SuccessApp.Etl.Flattening;

namespace SuccessApp.Etl.Tests.Flattening;

public sealed class RecentRecordCacheTests
{
    private const ulong Key = 0x1234_5678_9ABC_DEF1;

    [Fact]
    public void Same_content_is_a_duplicate_an_older_cursor_is_older_and_a_tie_or_newer_goes_on()
    {
        var cache = new RecentRecordCache(16);
        cache.Remember(Key, contentHash: 7, cursor: 100);

        Assert.Equal(RecentMatch.Duplicate, cache.Lookup(Key, 7, 100));
        Assert.Equal(RecentMatch.Duplicate, cache.Lookup(Key, 7, 50));
        Assert.Equal(RecentMatch.Older, cache.Lookup(Key, 8, 99));
        Assert.Equal(RecentMatch.Older, cache.Lookup(Key, 8, long.MinValue)); // no cursor is the oldest
        Assert.Equal(RecentMatch.None, cache.Lookup(Key, 8, 100)); // a tie: the later arrival wins
        Assert.Equal(RecentMatch.None, cache.Lookup(Key, 8, 101));
        Assert.Equal(RecentMatch.None, cache.Lookup(Key + 16, 7, 0)); // same slot, other key
    }

    [Fact]
    public void A_key_without_cursors_is_never_older_and_a_slot_holds_only_its_last_key()
    {
        var cache = new RecentRecordCache(16);
        cache.Remember(Key, 7);
        Assert.Equal(RecentMatch.None, cache.Lookup(Key, 8, long.MinValue));

        cache.Remember(Key + 16, 9, 5); // the same slot: the first key is forgotten, which is always safe
        Assert.Equal(RecentMatch.None, cache.Lookup(Key, 7, long.MinValue));
        Assert.True(cache.Contains(Key + 16, 9));
        Assert.Equal(16 * 24, cache.Bytes);
    }
}
