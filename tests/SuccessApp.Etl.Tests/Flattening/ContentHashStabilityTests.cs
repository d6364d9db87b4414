using SuccessApp.Etl.Entities;

namespace SuccessApp.Etl.Tests.Flattening;

/// <summary>
/// <c>_hash</c> is stored and compared across runs, so it must not change between builds: a change would make every
/// stored row look changed once and rewrite the tables. The constants were produced by the streaming XxHash3 the
/// hasher used before it hashed each row in one call, and pin the hash of the bundled sample's first record.
/// </summary>
public sealed class ContentHashStabilityTests
{
    [Fact]
    public void The_hashes_of_the_sample_record_and_its_child_rows_are_the_ones_stored_by_earlier_builds()
    {
        var first = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "samples", "deals.ndjson")).First();
        using var batch = new DealsBatch();
        Assert.Equal(SuccessApp.Etl.Flattening.RecordOutcome.Accepted, batch.Add(System.Text.Encoding.UTF8.GetBytes(first)));

        Assert.Equal(8254657442303293261L, batch.Deals[0].Hash);
        Assert.Equal(1088560687001657241L, batch.DealsTerritories[0].Hash);
    }
}
