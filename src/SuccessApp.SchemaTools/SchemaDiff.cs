using System.Text;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.SchemaTools.Current;
using SuccessApp.SchemaTools.Inference;
using SuccessApp.SchemaTools.Json;
using SuccessApp.SchemaTools.Proposal;

namespace SuccessApp.SchemaTools;

/// <summary>What <c>successapp schema diff</c> was asked to do.</summary>
public sealed record SchemaDiffRequest
{
    /// <summary>A file of records (NDJSON, a JSON array, saved pages) or the API's <c>http(s)://</c> URL.</summary>
    public required string Source { get; init; }

    /// <summary>The entity (table or schema file name); null: told by the file's name or the URL's path.</summary>
    public string? Entity { get; init; }

    /// <summary>The schemas folder; null: the first <c>schemas/</c> found walking up from <see cref="WorkingDirectory"/>.</summary>
    public string? SchemasDirectory { get; init; }

    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Records read at most (bad ones included): inference is for review, a sample is enough.</summary>
    public int Limit { get; init; } = 10_000;

    /// <summary>Apply the proposal to the schema files in place.</summary>
    public bool Write { get; init; }

    /// <summary>Bearer token for a URL source (<c>SUCCESSAPP_API_TOKEN</c>); never printed.</summary>
    public string? ApiToken { get; init; }

    /// <summary><c>SUCCESSAPP_API_ALLOW_HTTP=1</c>: plain http:// to a host that is not loopback.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>Timeouts and retries of the API client (tests shorten them); null: the defaults.</summary>
    public Func<ApiClientOptions, ApiClientOptions>? ConfigureApi { get; init; }
}

/// <summary>One schema file as it is and as proposed.</summary>
public sealed record SchemaFileProposal(string DisplayPath, string Path, string Current, string Proposed, string Diff);

/// <summary>What the samples showed against the schema, and the proposed edit.</summary>
public sealed class SchemaDiffResult
{
    public required string Entity { get; init; }

    /// <summary>The entity's schema file, e.g. <c>schemas/deals.schema.json</c>.</summary>
    public required string SchemaFile { get; init; }

    /// <summary>The sample file's path or the endpoint's URL (without query or credentials).</summary>
    public required string Source { get; init; }

    public long RecordsRead { get; init; }

    public long RecordsUsed { get; init; }

    /// <summary>True when <see cref="SchemaDiffRequest.Limit"/> stopped the reading: a file had more records, an API was not asked for more.</summary>
    public bool LimitReached { get; init; }

    public IReadOnlyList<SkippedRecord> Skipped { get; init; } = [];

    public IReadOnlyList<ProposedAddition> Additions { get; init; } = [];

    public IReadOnlyList<TypeConflict> Conflicts { get; init; } = [];

    public IReadOnlyList<NotProposed> NotProposed { get; init; } = [];

    /// <summary>The files the proposal changes (the entity's, and shared definition files it reaches).</summary>
    public IReadOnlyList<SchemaFileProposal> Files { get; init; } = [];

    /// <summary>The unified diff of every changed file; empty when there is nothing to add.</summary>
    public string Diff => string.Concat(Files.Select(f => f.Diff));

    public bool Written { get; init; }

    /// <summary>0: nothing to add; 1: additions proposed (and, with --write, written). Errors are 2, as exceptions.</summary>
    public int ExitCode => Files.Count > 0 ? 1 : 0;
}

/// <summary>
/// <c>successapp schema diff</c>: reads sample records, infers their schema, compares it with the entity's schema
/// file and proposes the missing properties as an edit of the file's own text (optionally written in place).
/// </summary>
public static class SchemaDiff
{
    /// <exception cref="SchemaToolException">The request cannot be carried out (unknown entity, missing file, bad URL).</exception>
    /// <exception cref="SchemaFileException">A schema file is not valid JSON or a <c>$ref</c> cannot be followed.</exception>
    /// <exception cref="ApiSourceException">The API could not be read.</exception>
    public static async Task<SchemaDiffResult> RunAsync(SchemaDiffRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Limit < 1)
        {
            throw new SchemaToolException($"--limit must be at least 1 (got {request.Limit}).");
        }
        var folder = request.SchemasDirectory is { } given
            ? Path.GetFullPath(given, request.WorkingDirectory)
            : SchemaSet.FindSchemasFolder(request.WorkingDirectory);
        var schemas = SchemaSet.Load(folder);
        var inference = new SampleInference();

        SampleRead read;
        if (IsUrl(request.Source))
        {
            read = await ReadApiAsync(request, schemas, inference, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            read = await ReadFileAsync(request, schemas, inference, cancellationToken).ConfigureAwait(false);
        }
        return Propose(schemas, read, inference, request.Write);
    }

    private sealed record SampleRead(EntitySchema Entity, string Source, long Records, bool LimitReached);

    private static SchemaDiffResult Propose(SchemaSet schemas, SampleRead read, SampleInference inference, bool write)
    {
        var comparison = SchemaComparer.Compare(schemas, read.Entity, inference.Root);
        var files = new List<SchemaFileProposal>();
        foreach (var group in comparison.Insertions.GroupBy(i => i.File))
        {
            var file = group.Key;
            var bytes = file.Bytes.ToList();
            foreach (var insertion in group.OrderByDescending(i => i.Offset))
            {
                bytes.InsertRange(insertion.Offset, Encoding.UTF8.GetBytes(insertion.Text));
            }
            var current = Encoding.UTF8.GetString(file.Bytes);
            var proposed = Encoding.UTF8.GetString([.. bytes]);
            files.Add(new SchemaFileProposal(file.DisplayPath, file.Path, current, proposed, UnifiedDiff.Create(current, proposed, file.DisplayPath, "proposed")));
        }
        // The entity's own file first, then shared definition files, as a reviewer reads them.
        files = [.. files.OrderBy(f => f.Path == read.Entity.File.Path ? 0 : 1).ThenBy(f => f.DisplayPath, StringComparer.Ordinal)];
        if (write)
        {
            foreach (var file in files)
            {
                // Written whole, with the file's own line breaks and byte-order mark (the text came from its bytes).
                File.WriteAllBytes(file.Path, Encoding.UTF8.GetBytes(file.Proposed));
            }
        }
        return new SchemaDiffResult
        {
            Entity = read.Entity.Name,
            SchemaFile = read.Entity.DisplayPath,
            Source = read.Source,
            RecordsRead = read.Records,
            RecordsUsed = inference.RecordsUsed,
            LimitReached = read.LimitReached,
            Skipped = inference.Skipped,
            Additions = comparison.Additions,
            Conflicts = comparison.Conflicts,
            NotProposed = comparison.NotProposed,
            Files = files,
            Written = write && files.Count > 0,
        };
    }

    private static async Task<SampleRead> ReadFileAsync(SchemaDiffRequest request, SchemaSet schemas, SampleInference inference, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(request.Source, request.WorkingDirectory);
        if (!File.Exists(path))
        {
            throw new SchemaToolException($"Sample file not found: {path}");
        }
        var entity = request.Entity is { } name
            ? schemas.Find(name) ?? throw UnknownEntity(schemas, name)
            : FromFileName(schemas, path) ?? throw new SchemaToolException(
                $"Cannot tell which entity {Path.GetFileName(path)} holds: name it with --entity (one of {schemas.EntityNames}).");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        await using var source = new StreamRecordSource(stream, path, RecordFramerOptions.ForFile(path));
        var (records, limited) = await ReadAsync(source, inference, request.Limit, fromFile: true, cancellationToken).ConfigureAwait(false);
        // Shown as given when it is below the working directory (as a user typed it), else in full.
        var shown = Path.GetRelativePath(request.WorkingDirectory, path);
        return new SampleRead(entity, shown.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(shown) ? path : shown, records, limited);
    }

    private static async Task<SampleRead> ReadApiAsync(SchemaDiffRequest request, SchemaSet schemas, SampleInference inference, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(request.Source, UriKind.Absolute, out var url) || !string.IsNullOrEmpty(url.UserInfo))
        {
            // Not echoed: a mistyped URL may carry a password.
            throw new SchemaToolException($"--source looks like a URL but is not a usable one: give the API's base URL without credentials, e.g. https://api.successapp.example, and the token in {ApiClientOptions.TokenVariable}.");
        }
        // The URL may be the API's base or an entity's endpoint under it (https://host/v1/deals): the endpoint tells the entity.
        var path = url.AbsolutePath.TrimEnd('/');
        var byEndpoint = new List<(EntitySchema Entity, ApiSettings Settings)>();
        foreach (var candidate in schemas.Entities)
        {
            var candidateSettings = TrySettings(candidate);
            var endpoint = candidateSettings?.Endpoint.Split('?')[0].TrimEnd('/');
            if (candidateSettings is not null && !string.IsNullOrEmpty(endpoint) && path.EndsWith(endpoint, StringComparison.Ordinal))
            {
                byEndpoint.Add((candidate, candidateSettings));
            }
        }
        EntitySchema entity;
        if (request.Entity is { } name)
        {
            entity = schemas.Find(name) ?? throw UnknownEntity(schemas, name);
        }
        else if (byEndpoint.Count == 1)
        {
            entity = byEndpoint[0].Entity;
        }
        else
        {
            throw new SchemaToolException($"Name the entity to read from the API with --entity (one of {schemas.EntityNames}), or give its endpoint's URL.");
        }
        var settings = ApiSettings.Parse(entity.SettingsJson, entity.Name, entity.FileName);
        var endpointPath = settings.Endpoint.Split('?')[0].TrimEnd('/');
        var basePath = byEndpoint.Any(e => e.Entity == entity) ? path[..^endpointPath.Length] : path;
        var options = new ApiClientOptions
        {
            BaseUrl = new Uri(url.GetLeftPart(UriPartial.Authority) + basePath + "/"),
            Token = string.IsNullOrWhiteSpace(request.ApiToken) ? null : request.ApiToken.Trim(),
            AllowInsecureHttp = request.AllowInsecureHttp,
        };
        options = request.ConfigureApi?.Invoke(options) ?? options;
        ApiClient api;
        try
        {
            api = ApiClient.Create(options);
        }
        catch (ArgumentException e)
        {
            throw new SchemaToolException(e.Message);
        }
        await using (api.ConfigureAwait(false))
        {
            await using var source = api.CreateSource(settings);
            var (records, limited) = await ReadAsync(source, inference, request.Limit, fromFile: false, cancellationToken).ConfigureAwait(false);
            return new SampleRead(entity, source.Name, records, limited);
        }
    }

    private static async Task<(long Records, bool LimitReached)> ReadAsync(RecordSource source, SampleInference inference, int limit, bool fromFile, CancellationToken cancellationToken)
    {
        await source.StartAsync(null, null, cancellationToken).ConfigureAwait(false);
        long records = 0;
        while (records < limit)
        {
            if (!await source.ReadNextAsync(cancellationToken).ConfigureAwait(false))
            {
                return (records, false);
            }
            records++;
            inference.Add(source.Current, records, withLine: fromFile);
        }
        // A file says cheaply whether anything was left unread; an API would be asked for another page.
        return (records, !fromFile || await source.ReadNextAsync(cancellationToken).ConfigureAwait(false));
    }

    private static ApiSettings? TrySettings(EntitySchema entity)
    {
        try
        {
            return ApiSettings.Parse(entity.SettingsJson, entity.Name, entity.FileName);
        }
        catch (ApiSettingsException)
        {
            return null;
        }
    }

    /// <summary>The entity a file's name starts with, up to a non-letter (<c>deals.ndjson</c>, <c>deals2024-06.json</c>); the longest name wins.</summary>
    internal static EntitySchema? FromFileName(SchemaSet schemas, string path)
    {
        var name = Path.GetFileName(path);
        return schemas.Entities
            .Where(e => name.StartsWith(e.Name, StringComparison.OrdinalIgnoreCase) && (name.Length == e.Name.Length || !char.IsLetter(name[e.Name.Length])))
            .MaxBy(e => e.Name.Length);
    }

    private static bool IsUrl(string source) =>
        source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static SchemaToolException UnknownEntity(SchemaSet schemas, string name) =>
        new($"Unknown entity '{name}' in {Path.GetFileName(schemas.Directory)}/: use one of {schemas.EntityNames}.");
}
