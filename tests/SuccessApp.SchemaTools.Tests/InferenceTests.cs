using System.Text.Json.Nodes;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>What is proposed for each kind of new field, read back from the proposed schema file.</summary>
public sealed class InferenceTests : IDisposable
{
    private readonly SchemaWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public async Task A_new_root_scalar_is_proposed_with_its_count_and_exit_code_1()
    {
        var source = _workspace.Deals("deals.ndjson", "\"priority\":\"high\"", "\"priority\":\"low\"", "\"priority\":\"high\"");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Errors);
        Assert.Matches(@"\n  priority +3 records  ""string""\n", run.Output);
        var result = await _workspace.DiffAsync(source);
        var addition = Assert.Single(result.Additions);
        Assert.Equal(("priority", 3L, false), (addition.Path, addition.Records, addition.Shared));
        Assert.Equal("""{ "type": "string" }""", Property(result, "deals.schema.json", "priority"));
    }

    [Fact]
    public async Task A_field_null_or_missing_in_some_records_is_nullable()
    {
        var source = _workspace.Deals("deals.ndjson", "\"segment\":\"smb\"", "\"segment\":null", "", "\"region\":\"south\"", "\"region\":\"north\"");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal("""{ "type": ["string", "null"] }""", Property(result, "deals.schema.json", "segment"));
        Assert.Equal("""{ "type": ["string", "null"] }""", Property(result, "deals.schema.json", "region"));
        Assert.Equal(2, result.Additions.Single(a => a.Path == "segment").Records);
    }

    [Fact]
    public async Task New_fields_in_nested_objects_array_items_and_arrays_in_arrays_land_in_their_own_properties()
    {
        var source = _workspace.Deals("deals.ndjson",
            """ "result":{"id":"ea6338ef-fe1c-4aa8-9e56-000000000009","score":0.5},"result_reasons":[{"title":"price","note":"too high"},{"title":"fit"}]""",
            """ "stage_history":[{"stage":"won","changes":[{"field":"amount","reason":"discount"}]}]""");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal(["result.score", "result_reasons[].note", "stage_history[].changes[].reason"], result.Additions.Select(a => a.Path));
        var deals = Proposed(result, "deals.schema.json");
        // Always there when result is: not nullable itself (the generator makes the column nullable, as result may be null).
        Assert.Equal("""{"type":"number"}""", deals["properties"]!["result"]!["properties"]!["score"]!.ToJsonString());
        Assert.Equal("""{"type":["string","null"]}""", deals["properties"]!["result_reasons"]!["items"]!["properties"]!["note"]!.ToJsonString());
        var changes = deals["properties"]!["stage_history"]!["items"]!["properties"]!["changes"]!["items"]!["properties"]!;
        Assert.Equal("""{"type":"string"}""", changes["reason"]!.ToJsonString());
    }

    [Fact]
    public async Task A_new_array_of_objects_gets_items_with_properties_and_an_array_of_arrays_nested_items()
    {
        var source = _workspace.Deals("deals.ndjson",
            """ "line_items":[{"sku":"a-1","qty":2},{"sku":"b-2","qty":1.5,"gift":true}],"matrix":[[1,2],[3]]""",
            """ "line_items":[],"matrix":[]""");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal(["line_items", "matrix"], result.Additions.Select(a => a.Path));
        var properties = Proposed(result, "deals.schema.json")["properties"]!;
        Assert.Equal(
            """{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"number"},"gift":{"type":["boolean","null"]}}}}""",
            properties["line_items"]!.ToJsonString());
        Assert.Equal("""{"type":"array","items":{"type":"array","items":{"type":"integer"}}}""", properties["matrix"]!.ToJsonString());
    }

    [Fact]
    public async Task Formats_and_integer_are_proposed_only_when_every_value_fits()
    {
        var source = _workspace.Deals("deals.ndjson",
            """ "signed_at":"2024-05-01 10:00:00","due_on":"2024-05-31","partner_id":"0d6f3c2e-5b1a-4c9e-8f7d-2a4b6c8e0f13","checked_at":"2024-05-01 10:00:00","seats":3,"ratio":1""",
            """ "signed_at":"2024-05-02T00:00:00Z","due_on":"2024-06-30","partner_id":"7A0E8C9B1D2F4E6A8B0C2D4E6F8A0B1C","checked_at":"yesterday","seats":40,"ratio":2.5""");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal("""{ "type": "string", "format": "date-time" }""", Property(result, "deals.schema.json", "signed_at"));
        Assert.Equal("""{ "type": "string", "format": "date" }""", Property(result, "deals.schema.json", "due_on"));
        Assert.Equal("""{ "type": "string", "format": "uuid" }""", Property(result, "deals.schema.json", "partner_id"));
        Assert.Equal("""{ "type": "string" }""", Property(result, "deals.schema.json", "checked_at"));
        Assert.Equal("""{ "type": "integer" }""", Property(result, "deals.schema.json", "seats"));
        Assert.Equal("""{ "type": "number" }""", Property(result, "deals.schema.json", "ratio"));
    }

    [Fact]
    public async Task Values_of_several_types_are_proposed_as_a_type_list_which_the_generator_keeps_as_jsonb()
    {
        var source = _workspace.Deals("deals.ndjson", "\"code\":\"A7\"", "\"code\":7", "\"code\":null");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal("""{ "type": ["string", "integer", "null"] }""", Property(result, "deals.schema.json", "code"));
    }

    [Fact]
    public async Task A_field_seen_only_as_null_or_empty_array_is_reported_but_not_proposed()
    {
        var source = _workspace.Deals("deals.ndjson", "\"legacy_code\":null,\"labels\":[]", "\"legacy_code\":null");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Not proposed:", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"  legacy_code +2 records  only null seen", run.Output);
        Assert.Matches(@"  labels +1 records  only empty arrays seen", run.Output);
    }

    [Fact]
    public async Task A_type_conflict_is_reported_with_where_it_is_declared_and_not_edited()
    {
        var source = _workspace.Deals("deals.ndjson", "\"probability\":\"high\"", "\"probability\":40", "\"owner\":{\"id\":\"not-a-uuid\"}");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Type conflicts, not edited", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"  probability +declared integer at schemas/deals\.schema\.json:22; seen string once \(e\.g\. ""high""\)", run.Output);
        Assert.Matches(@"  owner\.id +declared string \(uuid\) at schemas/common\.schema\.json:38 via #/\$defs/uuid; seen 1 of 1 strings are not uuids \(e\.g\. ""not-a-uuid""\)", run.Output);
        Assert.DoesNotContain("+++ proposed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Free_form_values_and_known_fields_propose_nothing_and_exit_0()
    {
        var source = _workspace.Deals("deals.ndjson",
            """ "custom_fields":{"anything":1,"nested":{"deep":[1,"x"]}},"stage_history":[{"stage":"won","changes":[{"field":"amount","old_value":{"a":1},"new_value":[2]}]}]""",
            """ "amount":12.5,"tags":["a"],"owner":null""");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("No properties to add", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("---", run.Output, StringComparison.Ordinal);
        var result = await _workspace.DiffAsync(source);
        Assert.Equal("", result.Diff);
        Assert.Empty(result.Files);
    }

    [Fact]
    public async Task Two_paths_to_one_shared_definition_give_one_insertion_typed_from_both()
    {
        var source = _workspace.Deals("deals.ndjson",
            """ "owner":{"id":"0d6f3c2e-5b1a-4c9e-8f7d-2a4b6c8e0f13","title":"AE"}""",
            """ "stage_history":[{"stage":"won","changed_by":{"name":"Ana","title":7}}]""");

        var result = await _workspace.DiffAsync(source);

        Assert.Equal(["owner.title", "stage_history[].changed_by.title"], result.Additions.Select(a => a.Path));
        Assert.All(result.Additions, a => Assert.True(a.Shared));
        Assert.All(result.Additions, a => Assert.Equal("schemas/common.schema.json#/$defs/owner/properties", a.Target));
        var common = Proposed(result, "common.schema.json");
        Assert.Equal("""{"type":["string","integer"]}""", common["$defs"]!["owner"]!["properties"]!["title"]!.ToJsonString());
        Assert.Single(result.Files);
    }

    [Fact]
    public async Task NJsonSchema_sharing_one_definition_between_objects_leaks_no_property_or_type()
    {
        // NJsonSchema gives "referrer" (keys a subset of "sponsor"'s) sponsor's definition and writes its id type there.
        var source = _workspace.Deals("deals.ndjson",
            """ "sponsor":{"id":"0d6f3c2e-5b1a-4c9e-8f7d-2a4b6c8e0f13","name":"Ana","email":"ana@example.test"},"referrer":{"id":7}""");

        var result = await _workspace.DiffAsync(source);

        var properties = Proposed(result, "deals.schema.json")["properties"]!;
        Assert.Equal("""{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"name":{"type":"string"},"email":{"type":"string"}}}""", properties["sponsor"]!.ToJsonString());
        Assert.Equal("""{"type":"object","properties":{"id":{"type":"integer"}}}""", properties["referrer"]!.ToJsonString());

        // The habit is real: NJsonSchema's own inference of sponsor.id says integer, which the value corrects.
        var inference = new Inference.SampleInference();
        Assert.True(inference.Add(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(source).Trim()), 1));
        Assert.Equal(1, inference.TypesCorrected);
    }

    /// <summary>A property of the proposed file's root, as written there (one line).</summary>
    internal static string Property(SchemaDiffResult result, string file, string name)
    {
        var text = result.Files.Single(f => f.DisplayPath == "schemas/" + file).Proposed;
        var line = text.Split('\n').Single(l => l.TrimStart().StartsWith($"\"{name}\": ", StringComparison.Ordinal));
        return line.Trim().TrimEnd(',')[(name.Length + 4)..];
    }

    internal static JsonNode Proposed(SchemaDiffResult result, string file) =>
        JsonNode.Parse(result.Files.Single(f => f.DisplayPath == "schemas/" + file).Proposed)!;
}
