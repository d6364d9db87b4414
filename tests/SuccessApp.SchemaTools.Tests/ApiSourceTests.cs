using SuccessApp.FakeApi;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>A URL source: the fake API over real loopback HTTP, whose records carry unknown fields from halfway on.</summary>
public sealed class ApiSourceTests : IDisposable
{
    private const string Token = "tok-schema-diff-never-print-me";

    private readonly SchemaWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private static Task<FakeApiServer> StartAsync() => FakeApiServer.StartAsync(new FakeApiOptions
    {
        Token = Token,
        Records = new Dictionary<string, int> { ["deals"] = 120, ["accounts"] = 10 },
        DefaultPageSize = 25,
        NewFieldsAt = 0.5,
    });

    [Fact]
    public async Task The_api_base_url_and_entity_read_every_page_and_propose_the_fields_the_api_added()
    {
        await using var server = await StartAsync();
        var request = _workspace.Request(server.BaseUrl.ToString(), entity: "deals") with { ApiToken = Token, ConfigureApi = SchemaWorkspace.QuickApi };

        var run = await _workspace.RunAsync(request);
        var result = await SchemaDiff.RunAsync(request, CancellationToken.None);

        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain(Token, run.Output + run.Errors, StringComparison.Ordinal);
        Assert.Equal(server.Dataset("deals").Emissions.Count, result.RecordsRead);
        Assert.False(result.LimitReached);
        Assert.Equal(new Uri(server.BaseUrl, "v1/deals").ToString(), result.Source);
        Assert.Equal(["health", "owner.title", "priority", "territories[].region"], result.Additions.Select(a => a.Path));
        Assert.Equal(
            """{"type":["object","null"],"properties":{"score":{"type":"number"},"trend":{"type":"string"}}}""",
            InferenceTests.Proposed(result, "deals.schema.json")["properties"]!["health"]!.ToJsonString());
        var common = InferenceTests.Proposed(result, "common.schema.json")["$defs"]!;
        Assert.Equal("""{"type":["string","null"]}""", common["owner"]!["properties"]!["title"]!.ToJsonString());
        Assert.Equal("""{"type":["string","null"]}""", common["territory"]!["properties"]!["region"]!.ToJsonString());
        // The new fields start halfway: each was seen in fewer records than were read.
        Assert.All(result.Additions, a => Assert.InRange(a.Records, 1, result.RecordsRead - 1));
    }

    [Fact]
    public async Task An_endpoint_url_names_its_entity_and_limit_stops_reading_before_the_fields_appear()
    {
        await using var server = await StartAsync();
        var request = _workspace.Request(new Uri(server.BaseUrl, "v1/deals").ToString(), limit: 40) with { ApiToken = Token, ConfigureApi = SchemaWorkspace.QuickApi };

        var run = await _workspace.RunAsync(request);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"deals: 40 records read from {new Uri(server.BaseUrl, "v1/deals")} (40 used, 0 skipped; stopped at --limit)", run.Output, StringComparison.Ordinal);
        Assert.Contains("No properties to add", run.Output, StringComparison.Ordinal);
        // 40 records are two pages of 25: the third page is never asked for.
        Assert.Equal(2, server.Requests.Count(r => r.Entity == "deals"));
    }

    [Fact]
    public async Task A_refused_token_is_an_api_error_with_exit_code_2_that_names_the_variable()
    {
        await using var server = await StartAsync();
        var request = _workspace.Request(server.BaseUrl.ToString(), entity: "deals") with { ApiToken = "wrong-token", ConfigureApi = SchemaWorkspace.QuickApi };

        var run = await _workspace.RunAsync(request);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("HTTP 401", run.Errors, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_API_TOKEN", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", run.Errors, StringComparison.Ordinal);
    }
}
