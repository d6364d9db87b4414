using System.Text;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Flattening;

namespace SuccessApp.Generator.Tests;

/// <summary>
/// The generated deals flattener (compiled into SuccessApp.Etl from schemas/) run on the seed's own example:
/// the rows must be exactly those of the flattening rules, and the seed's invalid 37-character id must neither crash
/// nor vanish.
/// </summary>
public sealed class SeedFlatteningTests
{
    // The territories example of the memory incident, inside a deal whose id is the association's source_id.
    public const string SeedDeal = """
        {"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"Seed deal","result_id":null,"updated_at":"2023-04-24 09:00:00",
         "territories":[
          {"id":"04b191f8-c86b-46fd-9932-23a592562349","name":"LATAM","color":"indigo-dark","created_at":"2023-04-23 21:00:18","updated_at":"2023-04-23 21:00:18",
           "association":{"source_id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","target_id":"04b191f8-c86b-46fd-9932-23a592562349","id":"5e1e6be8-b9c5-4665-a25d-31baccb2f31d"}},
          {"id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7","name":"LATAM-SOLA-BRAZIL SOUTH CROSS","color":"indigo-light","created_at":"2023-04-23 21:00:20","updated_at":"2023-04-23 21:00:20",
           "association":{"source_id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","target_id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7","id":"590b85a8-a136-4ae9-ac98-4d406d6614ab"}}
         ]}
        """;

    private static readonly Guid DealId = Guid.Parse("ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a");

    [Fact]
    public void Seed_territories_flatten_into_the_seed_columns()
    {
        using var batch = new DealsBatch();
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(SeedDeal)));

        var arena = batch.Context.Arena;
        var table = batch.Definition.Tables.Single(t => t.Name == "deals_territories");
        Assert.Equal(
            ["id", "territories_ordinal", "territories_id", "territories_name", "territories_color", "territories_created_at",
             "territories_updated_at", "territories_association.source_id", "territories_association.target_id",
             "territories_association.id", "_extra", "_hash", "_loaded_at"],
            table.Columns.Select(c => c.Name));

        Assert.Equal(2, batch.DealsTerritories.Count);
        var first = batch.DealsTerritories[0];
        Assert.Equal(DealId, first.Id);
        Assert.Equal(0, first.TerritoriesOrdinal);
        Assert.Equal(Guid.Parse("04b191f8-c86b-46fd-9932-23a592562349"), first.TerritoriesId);
        Assert.Equal("LATAM", arena.GetString(first.TerritoriesName));
        Assert.Equal("indigo-dark", arena.GetString(first.TerritoriesColor));
        Assert.Equal(new DateTime(2023, 4, 23, 21, 0, 18, DateTimeKind.Utc), first.TerritoriesCreatedAt);
        Assert.Equal(DateTimeKind.Utc, first.TerritoriesCreatedAt!.Value.Kind);
        Assert.Equal(DealId, first.TerritoriesAssociationSourceId);
        Assert.Equal(Guid.Parse("04b191f8-c86b-46fd-9932-23a592562349"), first.TerritoriesAssociationTargetId);
        Assert.Equal(Guid.Parse("5e1e6be8-b9c5-4665-a25d-31baccb2f31d"), first.TerritoriesAssociationId);
        Assert.True(first.Extra.IsNull);

        // The 37-character id: the row is kept with NULL there, and the raw value is in rejects with key and path.
        var second = batch.DealsTerritories[1];
        Assert.Equal(1, second.TerritoriesOrdinal);
        Assert.Null(second.TerritoriesId);
        Assert.Null(second.TerritoriesAssociationTargetId);
        Assert.Equal("LATAM-SOLA-BRAZIL SOUTH CROSS", arena.GetString(second.TerritoriesName));
        Assert.Equal(Guid.Parse("590b85a8-a136-4ae9-ac98-4d406d6614ab"), second.TerritoriesAssociationId);

        var rejects = batch.Context.Rejects.AsSpan().ToArray()
            .Select(r => (r.Table, Key: arena.GetString(r.Key), Path: arena.GetString(r.Path), Raw: arena.GetString(r.Raw), r.Expected, r.Whole))
            .ToList();
        Assert.Equal(
            [
                ("deals_territories", "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "$.territories[1].id", "\"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7\"", "uuid", false),
                ("deals_territories", "ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a", "$.territories[1].association.target_id", "\"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7\"", "uuid", false),
            ],
            rejects);
        Assert.Equal(1, batch.CountRows(0));
        Assert.Equal(2, batch.CountRows(table.Index));
    }

    [Fact]
    public void Unknown_fields_land_in_extra_of_their_row_and_are_counted()
    {
        using var batch = new DealsBatch();
        var json = """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","priority":"high","result":{"id":null,"score":[1,2]},"territories":[{"name":"X","association":{"region":"emea"}}]}""";
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(json)));

        var arena = batch.Context.Arena;
        Assert.Equal("""{"priority":"high","result.score":[1,2]}""", arena.GetString(batch.Deals[0].Extra));
        Assert.Equal("""{"association.region":"emea"}""", arena.GetString(batch.DealsTerritories[0].Extra));
        var drift = batch.Context.Drift.Fields.OrderBy(f => f.Table).ThenBy(f => f.Path).Select(f => (f.Table, f.Path, f.Count, string.Join("|", f.JsonTypes))).ToList();
        Assert.Equal([("deals", "priority", 1L, "string"), ("deals", "result.score", 1L, "array"), ("deals_territories", "association.region", 1L, "string")], drift);
    }

    [Fact]
    public void Keys_written_after_the_arrays_still_reach_every_child_row()
    {
        using var batch = new DealsBatch();
        var json = """{"tags":["a","b","a"],"stage_history":[{"stage":"won","changes":[{"field":"amount","old_value":1,"new_value":{"v":2}}]}],"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a"}""";
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(json)));

        Assert.All(batch.DealsTags.AsSpan().ToArray(), t => Assert.Equal(DealId, t.Id));
        // The exact duplicate "a" is dropped; positions keep the source index.
        Assert.Equal([0, 1], batch.DealsTags.AsSpan().ToArray().Select(t => t.TagsOrdinal));
        Assert.Equal(1, batch.Counters.DuplicateElements);
        var change = batch.DealsStageHistoryChanges[0];
        Assert.Equal(DealId, change.Id);
        Assert.Equal(0, change.StageHistoryOrdinal);
        Assert.Equal("1", batch.Context.Arena.GetString(change.StageHistoryChangesOldValue));
        Assert.Equal("""{"v":2}""", batch.Context.Arena.GetString(change.StageHistoryChangesNewValue));
    }

    [Fact]
    public void Duplicates_and_versions_of_one_key_keep_only_the_newest()
    {
        using var batch = new DealsBatch();
        byte[] Deal(string updated, string name) =>
            Encoding.UTF8.GetBytes($$"""{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"{{name}}","updated_at":"{{updated}}","tags":["{{name}}"]}""");

        Assert.Equal(RecordOutcome.Accepted, batch.Add(Deal("2024-01-02 00:00:00", "v2")));
        Assert.Equal(RecordOutcome.Duplicate, batch.Add(Deal("2024-01-02 00:00:00", "v2")));
        Assert.Equal(RecordOutcome.Stale, batch.Add(Deal("2024-01-01 00:00:00", "v1")));
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Deal("2024-01-03 00:00:00", "v3")));

        Assert.Equal(1, batch.LiveRecords);
        Assert.Equal(1, batch.CountRows(0));
        Assert.Equal(1, batch.CountRows(batch.Definition.Tables.Single(t => t.Name == "deals_tags").Index));
        var live = batch.Deals.AsSpan().ToArray().Single(r => !r.Superseded);
        Assert.Equal("v3", batch.Context.Arena.GetString(live.Name));
        Assert.Equal((4L, 2L, 1L, 1L, 1L), (batch.Counters.Records, batch.Counters.Accepted, batch.Counters.Duplicates, batch.Counters.Stale, batch.Counters.Superseded));
    }

    [Theory]
    [InlineData("""{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","name":"x",""", "malformed JSON")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"name":"no key"}""", "primary key 'id'")]
    [InlineData("""{"id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f7"}""", "primary key 'id'")]
    public void Records_that_cannot_load_are_kept_whole_in_rejects(string json, string reason)
    {
        using var batch = new DealsBatch();
        Assert.Equal(RecordOutcome.Rejected, batch.Add(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(0, batch.Deals.Count);
        var reject = Assert.Single(batch.Context.Rejects.AsSpan().ToArray());
        Assert.True(reject.Whole);
        Assert.Equal(json, batch.Context.Arena.GetString(reject.Raw));
        Assert.Contains(reason, reject.Reason, StringComparison.Ordinal);
        Assert.Equal(1, batch.Counters.Rejected);
    }

    [Fact]
    public void Values_of_the_wrong_type_become_null_and_rejects_while_the_row_loads()
    {
        using var batch = new DealsBatch();
        var json = """{"id":"ea6338ef-fe1c-4aa8-9e56-99d24e72bb7a","amount":"12","probability":1e400,"is_won":"yes","result":"won","territories":{"id":1},"close_date":"2024-02-30","name":"a\u0000b","created_at":"yesterday"}""";
        Assert.Equal(RecordOutcome.Accepted, batch.Add(Encoding.UTF8.GetBytes(json)));

        var arena = batch.Context.Arena;
        var row = batch.Deals[0];
        Assert.True(row.Amount.IsNull);
        Assert.Null(row.Probability);
        Assert.Null(row.IsWon);
        Assert.Null(row.CloseDate);
        Assert.Null(row.CreatedAt);
        Assert.Equal("ab", arena.GetString(row.Name));
        Assert.Equal(1, batch.Context.NulCharactersStripped);
        var paths = batch.Context.Rejects.AsSpan().ToArray().Select(r => arena.GetString(r.Path)).ToList();
        Assert.Equal(["$.amount", "$.probability", "$.is_won", "$.result", "$.territories", "$.close_date", "$.created_at"], paths);
    }
}
