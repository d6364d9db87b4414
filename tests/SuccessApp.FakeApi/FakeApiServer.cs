using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SuccessApp.FakeApi.Data;

namespace SuccessApp.FakeApi;

/// <summary>Settings of one fake API server.</summary>
public sealed class FakeApiOptions
{
    /// <summary>Kestrel addresses; the default binds loopback on a free port (read the real one from <see cref="FakeApiServer.BaseUrl"/>).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:0";

    /// <summary>The bearer token every request must carry (401 otherwise).</summary>
    public string Token { get; init; } = "fake-successapp-token";

    public ulong Seed { get; init; } = 42;

    /// <summary>Distinct records per entity (keys); entities not named get <see cref="DefaultRecords"/>.</summary>
    public IReadOnlyDictionary<string, int> Records { get; init; } = new Dictionary<string, int>();

    public int DefaultRecords { get; init; } = 1000;

    /// <summary>Page size where the schema sets none (cursor and link styles) and no size parameter was sent.</summary>
    public int DefaultPageSize { get; init; } = 100;

    /// <summary>Serve an entity in another pagination style than its schema's (cursor, link, page), e.g. to test link paging.</summary>
    public IReadOnlyDictionary<string, string> StyleOverrides { get; init; } = new Dictionary<string, string>();

    public double DuplicateRate { get; init; } = 0.06;

    public double UpdateRate { get; init; } = 0.05;

    /// <summary>Where in the list (0..1) records start carrying fields the schemas do not know.</summary>
    public double NewFieldsAt { get; init; } = 0.5;

    /// <summary>Directory of the *.schema.json files; default: the copy next to this assembly.</summary>
    public string? SchemaDirectory { get; init; }

    /// <summary>Generators beyond the built-in deals and accounts, by entity name.</summary>
    public IReadOnlyList<IRecordGenerator> Generators { get; init; } = [];

    /// <summary>
    /// Scheme and host that link-style next URLs point at instead of the request's own (e.g. <c>https://elsewhere.test</c>),
    /// to check that a client refuses to send its token to another host.
    /// </summary>
    public string? LinkHost { get; init; }

    /// <summary>One line per request, for a standalone demo.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>One request the server answered, for test assertions.</summary>
public sealed record FakeRequest(string Entity, string Target, bool Authorized, string? AuthorizationScheme, int Page, int Status, FaultKind? Fault, long Timestamp)
{
    public TimeSpan Since(FakeRequest earlier) => Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp);
}

/// <summary>
/// The fake SuccessApp API on Kestrel: <c>GET</c> on each entity's endpoint, paged as its schema says (cursor in the
/// body, <c>Link</c> header, or page/per_page), filtered by the incremental parameter, bearer auth, and the faults of
/// <see cref="Faults"/>. Start it with <see cref="StartAsync"/>; dispose it to stop.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private static readonly byte[] HtmlError = Encoding.UTF8.GetBytes(
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>upstream sent an invalid response</p></body></html>\n");

    private readonly WebApplication _app;
    private readonly FakeApiOptions _options;
    private readonly Dictionary<string, (FakeEntity Entity, FakeDataset Data)> _entities;
    private readonly ConcurrentQueue<FakeRequest> _requests = new();

    private FakeApiServer(WebApplication app, FakeApiOptions options, Dictionary<string, (FakeEntity, FakeDataset)> entities)
    {
        _app = app;
        _options = options;
        _entities = entities;
    }

    /// <summary>The address Kestrel bound, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    public string Token => _options.Token;

    public FaultPlan Faults { get; } = new();

    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public IEnumerable<FakeEntity> Entities => _entities.Values.Select(e => e.Entity);

    public FakeDataset Dataset(string entity) => _entities[entity].Data;

    public static async Task<FakeApiServer> StartAsync(FakeApiOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeApiOptions();
        var schemas = options.SchemaDirectory ?? Path.Combine(AppContext.BaseDirectory, "schemas");
        var generators = new Dictionary<string, IRecordGenerator>(StringComparer.Ordinal);
        foreach (var generator in new IRecordGenerator[] { new DealGenerator(), new AccountGenerator() }.Concat(options.Generators))
        {
            generators[generator.Entity] = generator;
        }

        var entities = new Dictionary<string, (FakeEntity, FakeDataset)>(StringComparer.Ordinal);
        foreach (var entity in FakeEntity.Load(schemas, options.DefaultPageSize, options.StyleOverrides))
        {
            if (!generators.TryGetValue(entity.Name, out var generator))
            {
                throw new InvalidOperationException(
                    $"Fake API: schemas/{entity.SchemaFile} has no record generator. Add an IRecordGenerator for '{entity.Name}' to tests/SuccessApp.FakeApi/Data (records valid against the schema) so the fake serves every shipped schema.");
            }
            var keys = options.Records.TryGetValue(entity.Name, out var count) ? count : options.DefaultRecords;
            entities[entity.Name] = (entity, new FakeDataset(generator, options.Seed, keys, options.DuplicateRate, options.UpdateRate, options.NewFieldsAt));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();

        var server = new FakeApiServer(app, options, entities);
        foreach (var (entity, _) in entities.Values)
        {
            var name = entity.Name;
            app.MapGet(entity.Endpoint, (HttpContext context) => server.HandleAsync(name, context));
        }
        app.MapGet("/", () => Results.Json(new
        {
            service = "fake SuccessApp API",
            endpoints = entities.Values.Select(e => new { entity = e.Item1.Name, path = e.Item1.Endpoint, pagination = e.Item1.Style, records = e.Item2.Emissions.Count, keys = e.Item2.Keys }),
        }));

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Fake API: Kestrel reported no address.");
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Connections still open after the grace period are dropped.
        }
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(string name, HttpContext context)
    {
        var (entity, data) = _entities[name];
        var request = context.Request;
        var target = request.Path + request.QueryString;
        var authorization = request.Headers.Authorization.ToString();
        var authorized = string.Equals(authorization, "Bearer " + _options.Token, StringComparison.Ordinal);
        var scheme = authorization.Length == 0 ? null : authorization.Split(' ')[0];

        if (!authorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ErrorAsync(context, 401, "unauthorized", "missing or invalid bearer token");
            Record(name, target, false, scheme, -1, 401, null);
            return;
        }

        if (!TrySelectPage(entity, data, request, out var selection, out var problem))
        {
            await ErrorAsync(context, 400, "bad_request", problem);
            Record(name, target, true, scheme, -1, 400, null);
            return;
        }

        var fault = Faults.Next(name, selection.PageIndex, target);
        switch (fault?.Kind)
        {
            case FaultKind.TooManyRequests:
                context.Response.Headers.RetryAfter = fault.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await ErrorAsync(context, 429, "rate_limited", "too many requests");
                Record(name, target, true, scheme, selection.PageIndex, 429, fault.Kind);
                return;
            case FaultKind.ServerError:
                await ErrorAsync(context, 500, "internal_error", "something went wrong");
                Record(name, target, true, scheme, selection.PageIndex, 500, fault.Kind);
                return;
            case FaultKind.SlowResponse:
                await Task.Delay(fault.Delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                if (context.RequestAborted.IsCancellationRequested)
                {
                    Record(name, target, true, scheme, selection.PageIndex, 499, fault.Kind);
                    return;
                }
                break;
        }

        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        var arrayEnd = WritePage(entity, data, request, selection, buffer, context, _options.LinkHost);
        var body = buffer.WrittenMemory;
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json; charset=utf-8";
        var cut = fault is null ? body.Length : (int)Math.Clamp(body.Length * fault.Cut, 1, Math.Max(1, body.Length - 1));
        try
        {
            switch (fault?.Kind)
            {
                case FaultKind.ResetMidBody:
                    await response.Body.WriteAsync(body[..cut], context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    // Let the client take in the headers and the first bytes, so the break is mid-body (an abort right
                    // away can also discard them and look like a failure before the response).
                    await Task.Delay(50, context.RequestAborted);
                    context.Abort();
                    break;
                case FaultKind.TruncatedJson:
                    await response.Body.WriteAsync(body[..cut], context.RequestAborted);
                    break;
                case FaultKind.InvalidJson:
                    var broken = body.ToArray();
                    broken[arrayEnd - 1] = (byte)'}';
                    response.ContentLength = broken.Length;
                    await response.Body.WriteAsync(broken, context.RequestAborted);
                    break;
                case FaultKind.NotJson:
                    response.ContentType = "text/html";
                    response.ContentLength = HtmlError.Length;
                    await response.Body.WriteAsync(HtmlError, context.RequestAborted);
                    break;
                case FaultKind.SlowBody:
                    const int parts = 8;
                    var part = Math.Max(1, body.Length / parts);
                    for (var offset = 0; offset < body.Length; offset += part)
                    {
                        await response.Body.WriteAsync(body.Slice(offset, Math.Min(part, body.Length - offset)), context.RequestAborted);
                        await response.Body.FlushAsync(context.RequestAborted);
                        await Task.Delay(fault.Delay / parts, context.RequestAborted);
                    }
                    break;
                default:
                    response.ContentLength = body.Length;
                    await response.Body.WriteAsync(body, context.RequestAborted);
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away (its own timeout, or a test ending): nothing to answer.
        }
        catch (IOException)
        {
        }
        Record(name, target, true, scheme, selection.PageIndex, 200, fault?.Kind);
    }

    private readonly record struct PageSelection(int[] Positions, int Offset, int Size, int PageIndex, int PageNumber, DateTime? Since);

    private static bool TrySelectPage(FakeEntity entity, FakeDataset data, HttpRequest request, out PageSelection selection, out string problem)
    {
        selection = default;
        problem = "";
        DateTime? since = null;
        if (entity.IncrementalParam is { } param && request.Query.TryGetValue(param, out var sinceText))
        {
            if (!FakeDataset.TryParseSince(sinceText, out var parsed))
            {
                problem = $"{param} must be a time like 2024-01-31 23:59:59 (UTC)";
                return false;
            }
            since = parsed;
        }

        var size = entity.PageSize;
        if (entity.SizeParam is { } sizeParam && request.Query.TryGetValue(sizeParam, out var sizeText))
        {
            if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > 1000)
            {
                problem = $"{sizeParam} must be between 1 and 1000";
                return false;
            }
        }

        var offset = 0;
        var pageNumber = 0;
        switch (entity.Style)
        {
            case "page":
                pageNumber = entity.FirstPage;
                if (request.Query.TryGetValue(entity.PageParam, out var pageText)
                    && (!int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out pageNumber) || pageNumber < entity.FirstPage))
                {
                    problem = $"{entity.PageParam} must be a page number from {entity.FirstPage}";
                    return false;
                }
                offset = (pageNumber - entity.FirstPage) * size;
                break;
            case "link":
                if (request.Query.TryGetValue(FakeEntity.LinkOffsetParam, out var after)
                    && !int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                {
                    problem = "invalid link";
                    return false;
                }
                break;
            default:
                if (request.Query.TryGetValue(entity.CursorParam, out var cursor) && !TryDecodeCursor(cursor.ToString(), out offset))
                {
                    problem = "invalid cursor";
                    return false;
                }
                break;
        }
        var positions = data.Select(since);
        selection = new PageSelection(positions, offset, size, offset / size, pageNumber, since);
        return true;
    }

    // Writes the page; returns the offset just past the records array's closing bracket.
    private static int WritePage(FakeEntity entity, FakeDataset data, HttpRequest request, PageSelection page, ArrayBufferWriter<byte> buffer, HttpContext context, string? linkHost)
    {
        var positions = page.Positions;
        var end = Math.Min(positions.Length, page.Offset + page.Size);
        var hasNext = end < positions.Length;
        string? nextCursor = entity.Style == "cursor" && hasNext ? EncodeCursor(end) : null;
        if (entity.Style == "link" && hasNext)
        {
            var query = request.Query
                .Where(q => !string.Equals(q.Key, FakeEntity.LinkOffsetParam, StringComparison.Ordinal))
                .Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value.ToString()))
                .Append(FakeEntity.LinkOffsetParam + "=" + end.ToString(CultureInfo.InvariantCulture));
            var origin = linkHost?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}";
            var next = $"{origin}{request.PathBase}{request.Path}?{string.Join('&', query)}";
            context.Response.Headers.Link = $"<{next}>; rel=\"next\", <{request.Scheme}://{request.Host}{request.Path}>; rel=\"first\"";
        }

        var arrayEnd = 0;
        using var writer = new Utf8JsonWriter(buffer);
        var tree = new EnvelopeNode();
        var metaFirst = entity.Style == "page";
        void Records(Utf8JsonWriter w)
        {
            w.WriteStartArray();
            for (var i = page.Offset; i < end; i++)
            {
                data.WriteRecord(w, positions[i]);
            }
            w.WriteEndArray();
            w.Flush();
            arrayEnd = buffer.WrittenCount;
        }
        void Meta()
        {
            tree.Set(["meta", "total"], w => w.WriteNumberValue(positions.Length));
            if (entity.Style == "page")
            {
                tree.Set(["meta", "page"], w => w.WriteNumberValue(page.PageNumber));
                tree.Set(["meta", "per_page"], w => w.WriteNumberValue(page.Size));
            }
            if (entity.Style == "cursor")
            {
                tree.Set(entity.NextPath, w =>
                {
                    if (nextCursor is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        w.WriteStringValue(nextCursor);
                    }
                });
            }
        }
        if (metaFirst)
        {
            Meta();
        }
        tree.Set(entity.RecordsPath, Records);
        if (!metaFirst)
        {
            Meta();
        }
        tree.Write(writer);
        writer.Flush();
        return arrayEnd;
    }

    private static string EncodeCursor(int offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("off:" + offset.ToString(CultureInfo.InvariantCulture))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeCursor(string cursor, out int offset)
    {
        offset = 0;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            return text.StartsWith("off:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = code, message }, context.RequestAborted);
    }

    private void Record(string entity, string target, bool authorized, string? scheme, int page, int status, FaultKind? fault)
    {
        var request = new FakeRequest(entity, target, authorized, scheme, page, status, fault, Stopwatch.GetTimestamp());
        _requests.Enqueue(request);
        _options.Log?.Invoke($"{DateTime.UtcNow:HH:mm:ss.fff} {status} GET {target}{(fault is { } f ? $"  [fault: {f}]" : "")}{(authorized ? "" : "  [no valid token]")}");
    }

    /// <summary>A page envelope built from JSON pointers: records at one path, meta values at others.</summary>
    private sealed class EnvelopeNode
    {
        private readonly List<(string Name, EnvelopeNode Node)> _children = [];
        private Action<Utf8JsonWriter>? _value;

        public void Set(IReadOnlyList<string> path, Action<Utf8JsonWriter> value)
        {
            var node = this;
            foreach (var token in path)
            {
                var child = node._children.FirstOrDefault(c => c.Name == token).Node;
                if (child is null)
                {
                    child = new EnvelopeNode();
                    node._children.Add((token, child));
                }
                node = child;
            }
            node._value = value;
        }

        public void Write(Utf8JsonWriter writer)
        {
            if (_value is not null)
            {
                _value(writer);
                return;
            }
            writer.WriteStartObject();
            foreach (var (name, node) in _children)
            {
                writer.WritePropertyName(name);
                node.Write(writer);
            }
            writer.WriteEndObject();
        }
    }
}
