using System.Text.Json;

namespace SuccessApp.FakeApi;

/// <summary>
/// How the fake serves one entity, read straight from its schema file's <c>x-successapp</c> block (independently of
/// the ETL's own reading of it, so a mistake there shows up as a failing test instead of being mirrored).
/// </summary>
public sealed record FakeEntity(
    string Name,
    string SchemaFile,
    string Endpoint,
    IReadOnlyList<string> RecordsPath,
    string Style,
    IReadOnlyList<string> NextPath,
    string CursorParam,
    string PageParam,
    int FirstPage,
    string? SizeParam,
    int PageSize,
    string? IncrementalParam)
{
    /// <summary>Parameter of the link style's own next URLs (the client never builds them, it follows them).</summary>
    public const string LinkOffsetParam = "after";

    public static IReadOnlyList<FakeEntity> Load(string schemaDirectory, int defaultPageSize, IReadOnlyDictionary<string, string> styleOverrides)
    {
        if (!Directory.Exists(schemaDirectory))
        {
            throw new DirectoryNotFoundException($"Fake API: schema directory not found: {schemaDirectory}");
        }
        var entities = new List<FakeEntity>();
        foreach (var file in Directory.GetFiles(schemaDirectory, "*.schema.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            if (!document.RootElement.TryGetProperty("x-successapp", out var block) || !block.TryGetProperty("endpoint", out var endpoint))
            {
                continue;
            }
            var name = block.TryGetProperty("table", out var table) ? table.GetString()! : Path.GetFileName(file).Split('.')[0];
            var pagination = block.TryGetProperty("pagination", out var p) ? p : default;
            var style = styleOverrides.TryGetValue(name, out var forced) ? forced : Text(pagination, "style") ?? "cursor";
            var incremental = block.TryGetProperty("incremental", out var inc) ? Text(inc, "param") : null;
            var pageSize = pagination.ValueKind == JsonValueKind.Object && pagination.TryGetProperty("pageSize", out var size) ? size.GetInt32() : defaultPageSize;
            entities.Add(new FakeEntity(
                name,
                Path.GetFileName(file),
                endpoint.GetString()!,
                Pointer(block.TryGetProperty("recordsPath", out var records) ? records.GetString()! : "/data"),
                style,
                Pointer(Text(pagination, "nextPath") ?? "/meta/next_cursor"),
                Text(pagination, "param") ?? "cursor",
                Text(pagination, "pageParam") ?? "page",
                pagination.ValueKind == JsonValueKind.Object && pagination.TryGetProperty("firstPage", out var first) ? first.GetInt32() : 1,
                Text(pagination, "sizeParam") ?? (style == "page" ? "per_page" : null),
                pageSize,
                incremental));
        }
        return entities;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Pointer(string pointer) =>
        pointer.Length == 0 ? [] : [.. pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
}
