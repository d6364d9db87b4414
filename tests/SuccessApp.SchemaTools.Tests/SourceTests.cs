using SuccessApp.Worker;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>Where samples come from and what goes wrong: formats, bad records, entity names, schema and folder errors.</summary>
public sealed class SourceTests : IDisposable
{
    private const string Record1 = """{"id":"ea6338ef-fe1c-4aa8-9e56-000000000001","priority":"high"}""";
    private const string Record2 = """{"id":"ea6338ef-fe1c-4aa8-9e56-000000000002","priority":"low"}""";

    private readonly SchemaWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("deals.ndjson", Record1 + "\n" + Record2 + "\n")]
    [InlineData("deals.json", "[\n  " + Record1 + ",\n  " + Record2 + "\n]\n")]
    [InlineData("deals-page-1.json", "{\"data\": [" + Record1 + ", " + Record2 + "], \"meta\": {\"next_cursor\": null}}")]
    public async Task Ndjson_a_json_array_and_saved_pages_are_read_alike(string fileName, string text)
    {
        var result = await _workspace.DiffAsync(_workspace.Write(fileName, text));

        Assert.Equal("deals", result.Entity);
        Assert.Equal((2L, 2L), (result.RecordsRead, result.RecordsUsed));
        var addition = Assert.Single(result.Additions);
        Assert.Equal(("priority", 2L), (addition.Path, addition.Records));
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(1, true)]
    public async Task Limit_reads_at_most_that_many_records_and_says_when_a_file_had_more(int limit, bool reached)
    {
        var source = _workspace.Write("deals.ndjson", Record1 + "\n" + Record2 + "\n");

        var result = await SchemaDiff.RunAsync(_workspace.Request(source, limit: limit), CancellationToken.None);

        Assert.Equal((limit, limit, reached), (result.RecordsRead, result.RecordsUsed, result.LimitReached));
        Assert.Equal(limit, result.Additions.Single().Records);
    }

    [Fact]
    public async Task Bad_records_are_skipped_and_counted_with_their_record_and_line_numbers()
    {
        var source = _workspace.Write("deals.ndjson", string.Join("\n", Record1, "{\"id\": \"x\", \"priority\": ", "[1, 2]", Record2, "{\"id\":1,}") + "\n");

        var run = await _workspace.RunAsync(source);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("deals: 5 records read from deals.ndjson (2 used, 3 skipped)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Skipped records (3, left out of the inference):", run.Output, StringComparison.Ordinal);
        Assert.Contains("  record 2, line 2: not a complete JSON value (cut short or unbalanced)", run.Output, StringComparison.Ordinal);
        Assert.Contains("  record 3, line 3: a JSON array, not an object", run.Output, StringComparison.Ordinal);
        Assert.Contains("  record 5, line 5: not valid JSON (at byte 9)", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"  priority +2 records", run.Output);
    }

    [Fact]
    public async Task The_entity_comes_from_the_file_name_or_from_entity_and_must_otherwise_be_named()
    {
        var accountsFile = _workspace.Write("accounts_2024-06.ndjson", """{"id":"ea6338ef-fe1c-4aa8-9e56-000000000001","segment":"smb"}""" + "\n");
        var export = _workspace.Write("export.ndjson", Record1 + "\n");

        var fromName = await _workspace.DiffAsync(accountsFile);
        var named = await _workspace.DiffAsync(export, entity: "deals");
        var unnamed = await _workspace.RunAsync(export);
        var unknown = await _workspace.RunAsync(export, entity: "leads");

        Assert.Equal(("accounts", "schemas/accounts.schema.json", "segment"), (fromName.Entity, fromName.SchemaFile, fromName.Additions.Single().Path));
        Assert.Equal("deals", named.Entity);
        Assert.Equal(2, unnamed.ExitCode);
        Assert.Equal("error: Cannot tell which entity export.ndjson holds: name it with --entity (one of accounts, deals).\n", unnamed.Errors);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal("error: Unknown entity 'leads' in schemas/: use one of accounts, deals.\n", unknown.Errors);
        Assert.Equal("", unnamed.Output + unknown.Output);
    }

    [Fact]
    public async Task A_schema_file_that_is_not_json_is_an_error_with_its_file_line_and_column()
    {
        var path = Path.Combine(_workspace.Schemas, "deals.schema.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"currency\": {", "\"currency\" {", StringComparison.Ordinal));

        var run = await _workspace.RunAsync(_workspace.Write("deals.ndjson", Record1 + "\n"));

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: schemas/deals.schema.json:21:16: not valid JSON: ", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ref_that_cannot_be_followed_is_an_error_at_the_ref()
    {
        var path = Path.Combine(_workspace.Schemas, "deals.schema.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("common.schema.json#/$defs/owner", "common.schema.json#/$defs/ownr", StringComparison.Ordinal));

        var run = await _workspace.RunAsync(_workspace.Write("deals.ndjson", """{"id":"ea6338ef-fe1c-4aa8-9e56-000000000001","owner":{"id":"x"}}""" + "\n"));

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: schemas/deals.schema.json:26:24: $ref \"common.schema.json#/$defs/ownr\": schemas/common.schema.json has nothing at #/$defs/ownr\n", run.Errors);
    }

    [Fact]
    public async Task Without_a_schemas_folder_above_the_working_directory_the_error_says_to_pass_schemas()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "no-schemas-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(elsewhere);
        try
        {
            var request = _workspace.Request(_workspace.Write("deals.ndjson", Record1 + "\n")) with { WorkingDirectory = elsewhere };
            var lost = await _workspace.RunAsync(request);
            var given = await _workspace.RunAsync(request with { SchemasDirectory = _workspace.Schemas });

            Assert.Equal(2, lost.ExitCode);
            Assert.StartsWith($"error: No schemas/ folder with *.schema.json files in {elsewhere} or any folder above it: run this inside the repository, or pass --schemas DIR.", lost.Errors, StringComparison.Ordinal);
            Assert.Equal(1, given.ExitCode);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_sample_file_is_an_error_naming_it()
    {
        var run = await _workspace.RunAsync("missing.ndjson", entity: "deals");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: Sample file not found: {Path.Combine(_workspace.Root, "missing.ndjson")}\n", run.Errors);
    }

    [Fact]
    public void The_help_documents_the_exit_codes_and_the_token_variable()
    {
        var diff = SchemaCommand.Create().Subcommands.Single(c => c.Name == "diff");

        Assert.Contains("Exit code: 0 nothing to add, 1 additions proposed (written with --write), 2 error.", diff.Description, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_API_TOKEN", diff.Options.Single(o => o.Name == "--source").Description, StringComparison.Ordinal);
        Assert.Equal(["--source", "--entity", "--schemas", "--limit", "--write"], diff.Options.Select(o => o.Name));
    }
}
