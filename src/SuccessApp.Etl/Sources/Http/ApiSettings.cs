using System.Text.Json;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>How the API hands out pages of an entity.</summary>
public enum PaginationStyle
{
    /// <summary>The body carries the next page's cursor (JSON pointer <see cref="ApiSettings.NextPath"/>), sent back in <see cref="ApiSettings.CursorParam"/>.</summary>
    Cursor,

    /// <summary>The <c>Link: &lt;…&gt;; rel="next"</c> response header names the next page.</summary>
    Link,

    /// <summary>Numbered pages (<see cref="ApiSettings.PageParam"/>, <see cref="ApiSettings.SizeParam"/>); an empty or short page is the last.</summary>
    Page,
}

/// <summary>
/// The HTTP settings of one entity, read from the <c>x-successapp</c> block of its schema file
/// (<see cref="EntityDefinition.SettingsJson"/>): endpoint, where the records sit in a page, pagination and the
/// incremental parameter.
/// </summary>
public sealed record ApiSettings
{
    public required string Entity { get; init; }

    /// <summary>The schema file the settings came from, for error messages.</summary>
    public required string SchemaFile { get; init; }

    /// <summary>Path of the list endpoint below the API's base URL, e.g. <c>/v1/deals</c> (may carry a fixed query).</summary>
    public required string Endpoint { get; init; }

    /// <summary>JSON pointer to the records array in a page, e.g. <c>/data</c>; empty when the page is the array itself.</summary>
    public string RecordsPath { get; init; } = "/data";

    public PaginationStyle Style { get; init; } = PaginationStyle.Cursor;

    /// <summary>Cursor style: JSON pointer to the next cursor in the page (null, empty or missing: last page).</summary>
    public string? NextPath { get; init; }

    /// <summary>Cursor style: the query parameter that takes the cursor.</summary>
    public string CursorParam { get; init; } = "cursor";

    /// <summary>Page style: the page number parameter; pages count from <see cref="FirstPage"/>.</summary>
    public string PageParam { get; init; } = "page";

    public int FirstPage { get; init; } = 1;

    /// <summary>Page size parameter, sent when <see cref="PageSize"/> is set (any style).</summary>
    public string? SizeParam { get; init; }

    public int? PageSize { get; init; }

    /// <summary>Query parameter that takes the stored cursor on an incremental run, e.g. <c>updated_since</c>; null: always a full read.</summary>
    public string? IncrementalParam { get; init; }

    /// <summary>How far before the stored cursor an incremental run starts, for records changed while the last run read.</summary>
    public int OverlapSeconds { get; init; }

    /// <summary>JSON pointer to the total record count in a page, for progress (absent: unknown).</summary>
    public string TotalPath { get; init; } = "/meta/total";

    /// <summary>The settings of an entity from its generated definition.</summary>
    public static ApiSettings FromEntity(EntityDefinition entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return Parse(entity.SettingsJson, entity.Name, entity.SchemaFile);
    }

    /// <summary>Reads the compact <c>x-successapp</c> JSON; a missing or invalid setting is an <see cref="ApiSettingsException"/> naming the file.</summary>
    public static ApiSettings Parse(string settingsJson, string entity, string schemaFile)
    {
        ArgumentNullException.ThrowIfNull(settingsJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(settingsJson);
        }
        catch (JsonException e)
        {
            throw new ApiSettingsException(schemaFile, $"the x-successapp block is not valid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ApiSettingsException(schemaFile, "x-successapp must be an object");
            }
            var reader = new SettingsReader(schemaFile);
            var endpoint = reader.String(root, "endpoint", "x-successapp.endpoint")
                ?? throw new ApiSettingsException(schemaFile, "x-successapp.endpoint is missing: add the API path of the list endpoint, e.g. \"endpoint\": \"/v1/deals\"");
            if (!endpoint.StartsWith('/') || endpoint.StartsWith("//", StringComparison.Ordinal) || endpoint.Contains('#', StringComparison.Ordinal))
            {
                throw new ApiSettingsException(schemaFile, $"x-successapp.endpoint '{endpoint}' must be a path starting with '/', e.g. \"/v1/deals\"");
            }
            var recordsPath = reader.String(root, "recordsPath", "x-successapp.recordsPath") ?? "/data";
            if (recordsPath.Length > 0 && recordsPath[0] != '/')
            {
                throw new ApiSettingsException(schemaFile, $"x-successapp.recordsPath '{recordsPath}' is not a JSON pointer: write it like \"/data\" (or \"\" when a page is the array itself)");
            }

            var settings = new ApiSettings { Entity = entity, SchemaFile = schemaFile, Endpoint = endpoint, RecordsPath = recordsPath };
            if (root.TryGetProperty("pagination", out var pagination))
            {
                settings = ReadPagination(settings, pagination, reader, schemaFile);
            }
            else
            {
                throw new ApiSettingsException(schemaFile, "x-successapp.pagination is missing: add e.g. { \"style\": \"cursor\", \"nextPath\": \"/meta/next_cursor\", \"param\": \"cursor\" }, { \"style\": \"link\" } or { \"style\": \"page\", \"pageParam\": \"page\", \"sizeParam\": \"per_page\", \"pageSize\": 100 }");
            }

            if (root.TryGetProperty("incremental", out var incremental))
            {
                if (incremental.ValueKind != JsonValueKind.Object)
                {
                    throw new ApiSettingsException(schemaFile, "x-successapp.incremental must be an object like { \"param\": \"updated_since\", \"overlapSeconds\": 300 }");
                }
                var param = reader.String(incremental, "param", "x-successapp.incremental.param")
                    ?? throw new ApiSettingsException(schemaFile, "x-successapp.incremental.param is missing: name the query parameter that takes the stored cursor, e.g. \"updated_since\"");
                var overlap = reader.Int(incremental, "overlapSeconds", "x-successapp.incremental.overlapSeconds", minimum: 0) ?? 0;
                settings = settings with { IncrementalParam = reader.ParamName(param, "x-successapp.incremental.param"), OverlapSeconds = overlap };
            }
            return settings;
        }
    }

    private static ApiSettings ReadPagination(ApiSettings settings, JsonElement pagination, SettingsReader reader, string schemaFile)
    {
        if (pagination.ValueKind != JsonValueKind.Object)
        {
            throw new ApiSettingsException(schemaFile, "x-successapp.pagination must be an object with a \"style\"");
        }
        var styleText = reader.String(pagination, "style", "x-successapp.pagination.style")
            ?? throw new ApiSettingsException(schemaFile, "x-successapp.pagination.style is missing: one of \"cursor\", \"link\", \"page\"");
        var style = styleText switch
        {
            "cursor" => PaginationStyle.Cursor,
            "link" => PaginationStyle.Link,
            "page" => PaginationStyle.Page,
            _ => throw new ApiSettingsException(schemaFile, $"x-successapp.pagination.style '{styleText}' is not one of \"cursor\", \"link\", \"page\""),
        };
        var pageSize = reader.Int(pagination, "pageSize", "x-successapp.pagination.pageSize", minimum: 1);
        var sizeParam = reader.String(pagination, "sizeParam", "x-successapp.pagination.sizeParam");
        settings = settings with
        {
            Style = style,
            PageSize = pageSize,
            SizeParam = sizeParam is null ? (style == PaginationStyle.Page ? "per_page" : null) : reader.ParamName(sizeParam, "x-successapp.pagination.sizeParam"),
        };
        if (pageSize is not null && settings.SizeParam is null)
        {
            throw new ApiSettingsException(schemaFile, "x-successapp.pagination.pageSize needs a sizeParam: the query parameter that takes the page size, e.g. \"limit\"");
        }
        switch (style)
        {
            case PaginationStyle.Cursor:
                var nextPath = reader.String(pagination, "nextPath", "x-successapp.pagination.nextPath")
                    ?? throw new ApiSettingsException(schemaFile, "x-successapp.pagination.nextPath is missing: cursor style needs the JSON pointer of the next cursor in a page, e.g. \"/meta/next_cursor\"");
                if (nextPath.Length == 0 || nextPath[0] != '/')
                {
                    throw new ApiSettingsException(schemaFile, $"x-successapp.pagination.nextPath '{nextPath}' is not a JSON pointer: write it like \"/meta/next_cursor\"");
                }
                var param = reader.String(pagination, "param", "x-successapp.pagination.param") ?? "cursor";
                return settings with { NextPath = nextPath, CursorParam = reader.ParamName(param, "x-successapp.pagination.param") };
            case PaginationStyle.Page:
                var pageParam = reader.String(pagination, "pageParam", "x-successapp.pagination.pageParam") ?? "page";
                var firstPage = reader.Int(pagination, "firstPage", "x-successapp.pagination.firstPage", minimum: 0) ?? 1;
                return settings with { PageParam = reader.ParamName(pageParam, "x-successapp.pagination.pageParam"), FirstPage = firstPage };
            default:
                return settings;
        }
    }

    private readonly struct SettingsReader(string schemaFile)
    {
        public string? String(JsonElement parent, string name, string path)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                throw new ApiSettingsException(schemaFile, $"{path} must be a string (found {Describe(value)})");
            }
            return value.GetString();
        }

        public int? Int(JsonElement parent, string name, string path, int minimum)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < minimum)
            {
                throw new ApiSettingsException(schemaFile, $"{path} must be an integer of at least {minimum} (found {Describe(value)})");
            }
            return number;
        }

        public string ParamName(string name, string path)
        {
            if (name.Length == 0 || name.AsSpan().IndexOfAny("&=?#/ ") >= 0)
            {
                throw new ApiSettingsException(schemaFile, $"{path} '{name}' is not a usable query parameter name");
            }
            return name;
        }

        private static string Describe(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => $"\"{value.GetString()}\"",
            JsonValueKind.Number => value.GetRawText(),
            _ => value.ValueKind.ToString().ToLowerInvariant(),
        };
    }
}

/// <summary>An entity's <c>x-successapp</c> block cannot drive the HTTP source; the message names the schema file and the fix.</summary>
public sealed class ApiSettingsException(string schemaFile, string problem)
    : Exception($"schemas/{schemaFile}: {problem}.")
{
    public string SchemaFile { get; } = schemaFile;
}
