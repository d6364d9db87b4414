using System.Text;
using SuccessApp.Etl.Entities;

namespace SuccessApp.Generator.Tests;

/// <summary>
/// Steady-state flattening must not allocate per record: after the buffers have grown to a chunk's size, flattening
/// the chunk again allocates nothing, whatever the number of records. (Allocation counts, never timings.)
/// </summary>
public sealed class AllocationTests
{
    [Fact]
    public void Flattening_seed_shaped_records_allocates_nothing_per_record_after_warm_up()
    {
        var records = Enumerable.Range(0, 1000).Select(i => Encoding.UTF8.GetBytes(Record(i))).ToArray();
        using var batch = new DealsBatch();

        long Chunk()
        {
            batch.Clear();
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var record in records)
            {
                batch.Add(record);
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Chunk();
        Chunk();
        var total = 0L;
        for (var i = 0; i < 100; i++)
        {
            total += Chunk();
        }

        Assert.Equal(100_000, 100 * batch.Counters.Accepted);
        Assert.True(total == 0, $"{total} bytes allocated flattening 100k records after warm-up ({total / 100_000.0:F2} per record).");
    }

    internal static string Record(int i)
    {
        var id = new Guid(i, 0x1234, 0x5678, [1, 2, 3, 4, 5, 6, 7, 8]);
        return $$$"""
            {"id":"{{{id}}}","name":"Deal \u00e9 {{{i}}}","amount":{{{i}}}.25,"currency":"USD","probability":{{{i % 100}}},"is_won":{{{(i % 2 == 0 ? "true" : "false")}}},
             "status":"open","close_date":"2024-05-01","owner":{"id":"{{{id}}}","name":"Owner","email":"o@example.com"},
             "result_id":"{{{id}}}","result":{"id":"{{{id}}}","title":"Won","type":"won","created_at":"2023-04-23 21:00:18","updated_at":"2023-04-23 21:00:18"},
             "result_reasons":[{"id":"{{{id}}}","title":"Price","created_at":"2023-04-23 21:00:18","updated_at":"2023-04-23 21:00:18"}],
             "territories":[{"id":"04b191f8-c86b-46fd-9932-23a592562349","name":"LATAM","color":"indigo-dark","created_at":"2023-04-23 21:00:18","updated_at":"2023-04-23 21:00:18",
               "association":{"source_id":"{{{id}}}","target_id":"04b191f8-c86b-46fd-9932-23a592562349","id":"5e1e6be8-b9c5-4665-a25d-31baccb2f31d"}},
              {"id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f","name":"LATAM-SOLA","color":"indigo-light","created_at":"2023-04-23T21:00:20Z","updated_at":"2023-04-23 21:00:20",
               "association":{"source_id":"{{{id}}}","target_id":"f79e74c6-1253-473a-90dc-cb3ff5dddc2f","id":"590b85a8-a136-4ae9-ac98-4d406d6614ab"}}],
             "bridges":[{"id":"{{{id}}}","type":"contact","target_id":"{{{id}}}","created_at":"2023-04-23 21:00:18"}],
             "tags":["a","b","c"],
             "stage_history":[{"stage":"open","entered_at":"2023-04-23 21:00:18","left_at":null,"changed_by":{"id":"{{{id}}}","name":"N","email":null},
               "changes":[{"field":"amount","old_value":1,"new_value":2}]}],
             "custom_fields":{"segment":"smb"},"created_at":"2023-04-23 21:00:18","updated_at":"2023-04-24 09:00:00"}
            """;
    }
}
