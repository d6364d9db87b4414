using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Polly.Timeout;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>
/// Reads one entity from the SuccessApp API, page after page. Each response body streams straight into a
/// <see cref="RecordFramer"/> (Pages format, records at <see cref="ApiSettings.RecordsPath"/>): no page is held as a
/// string or a DOM, only the small envelope around the records. The next page comes from the envelope (cursor
/// style), the <c>Link</c> header (link style) or the page number (page style, which ends on an empty or short page).
/// <para>
/// <see cref="Checkpoint"/> is <c>&lt;request target&gt;|&lt;records of that page consumed&gt;</c>: resuming
/// re-requests that page and skips those records. A body that breaks off (connection reset, idle timeout, truncated
/// or structurally invalid JSON) is retried the same way — the page is requested again and the records already
/// handed out are skipped — up to <see cref="ApiClientOptions.MaxPageAttempts"/> times, then an
/// <see cref="ApiSourceException"/>. Either way nothing handed out is lost or doubled. Skipping assumes the API
/// serves a page the same way twice, as cursor APIs do.
/// </para>
/// </summary>
public sealed class HttpRecordSource : RecordSource
{
    private readonly HttpClient _client;
    private readonly ApiClientOptions _options;
    private readonly ApiSettings _settings;
    private readonly RecordFramerOptions _framerOptions;
    private readonly Uri _origin;
    private readonly string _endpointPath;
    private readonly string _endpointQuery;
    private readonly bool _bareArray;

    // Where the source stands: the page being read and how many of its frames were handed out (or, after a
    // restart or a resume, must be skipped because they were).
    private string _target = "";
    private long _consumed;
    private long _skip;
    private int _pageAttempts;
    private int _pageHttpAttempts;
    private HttpStatusCode? _lastStatus;
    private int _pages;
    private bool _started;
    private bool _done;

    // The page being read.
    private HttpResponseMessage? _response;
    private IdleTimeoutStream? _body;
    private RecordFramer? _framer;
    private CancellationTokenSource? _pageCancel;
    private long _framesOnPage;
    private long _bytesBefore;
    private long? _total;

    // An Invalid frame is handed out only once the next frame (or a complete end of the page) shows that the page
    // went on: a page that breaks off ends in an Invalid frame, which is the cut and not a record.
    private RecordFrame _current;
    private bool _lookahead;
    private byte[]? _held;

    internal HttpRecordSource(HttpClient client, ApiClientOptions options, ApiSettings settings, RecordFramerOptions? framer)
    {
        _client = client;
        _options = options;
        _settings = settings;
        var template = framer ?? new RecordFramerOptions();
        _framerOptions = new RecordFramerOptions
        {
            Format = RecordFormat.Pages,
            RecordsPointer = settings.RecordsPath,
            InitialBufferBytes = template.InitialBufferBytes,
            MaxRecordBytes = template.MaxRecordBytes,
            PreviewBytes = template.PreviewBytes,
            MaxEnvelopeBytes = template.MaxEnvelopeBytes,
        };
        _bareArray = settings.RecordsPath.Length == 0;
        _origin = new Uri(options.BaseUrl.GetLeftPart(UriPartial.Authority) + "/");
        var (endpointPath, endpointQuery) = SplitOnce(settings.Endpoint);
        _endpointPath = options.BaseUrl.AbsolutePath.TrimEnd('/') + endpointPath;
        _endpointQuery = endpointQuery;
        Name = ApiUrls.Redact(new Uri(_origin, _endpointPath));
    }

    /// <summary>The endpoint's URL without query (<c>https://api.example.com/v1/deals</c>): the key of its resume state.</summary>
    public override string Name { get; }

    public ApiSettings Settings => _settings;

    public override long BytesRead => _bytesBefore + (_framer?.BytesRead ?? 0);

    /// <summary>The API's own count (<see cref="ApiSettings.TotalPath"/>, e.g. <c>meta.total</c>) once a page said it.</summary>
    public override long? TotalRecords => _total;

    /// <summary>Pages read to their end so far.</summary>
    public int PagesRead => _pages;

    /// <summary>Times a page was requested again because its body broke off.</summary>
    public int PageRestarts { get; private set; }

    public override RecordFrame Current => _current;

    public override string Checkpoint => _target + "|" + _consumed.ToString(CultureInfo.InvariantCulture);

    public override ValueTask StartAsync(string? checkpoint, string? maxCursor, CancellationToken cancellationToken)
    {
        if (_started)
        {
            throw new InvalidOperationException("An HttpRecordSource is started once.");
        }
        _started = true;
        if (TryParseCheckpoint(checkpoint, out var target, out var consumed))
        {
            _target = target;
            _consumed = consumed;
            _skip = consumed;
        }
        else
        {
            _target = FirstTarget(maxCursor);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The first request: the endpoint with the incremental parameter (stored cursor minus the overlap) and the page parameters.</summary>
    public string FirstTarget(string? maxCursor)
    {
        var (_, query) = ApiUrls.Split("?" + _endpointQuery);
        if (_settings.IncrementalParam is { } param && !string.IsNullOrWhiteSpace(maxCursor))
        {
            ApiUrls.Set(query, param, FormatSince(maxCursor, _settings.OverlapSeconds));
        }
        if (_settings.PageSize is { } size && _settings.SizeParam is { } sizeParam)
        {
            ApiUrls.Set(query, sizeParam, size.ToString(CultureInfo.InvariantCulture));
        }
        if (_settings.Style == PaginationStyle.Page)
        {
            ApiUrls.Set(query, _settings.PageParam, _settings.FirstPage.ToString(CultureInfo.InvariantCulture));
        }
        return ApiUrls.Join(_endpointPath, query);
    }

    /// <summary>
    /// The incremental parameter's value: a timestamp cursor minus the overlap, written as the API writes times
    /// (<c>yyyy-MM-dd HH:mm:ss</c>, UTC); an integer or unparsable cursor is passed as it is.
    /// </summary>
    public static string FormatSince(string maxCursor, int overlapSeconds)
    {
        ArgumentNullException.ThrowIfNull(maxCursor);
        var text = maxCursor.Trim();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return text;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time))
        {
            var since = time.UtcDateTime;
            since = since.Ticks - DateTime.MinValue.Ticks < TimeSpan.TicksPerSecond * (long)overlapSeconds ? DateTime.MinValue : since.AddSeconds(-overlapSeconds);
            return since.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        }
        return text;
    }

    public override async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (!_started)
        {
            throw new InvalidOperationException("Call StartAsync before ReadNextAsync.");
        }
        // Every turn hands out a frame, skips one already handed out, finishes a page (at most MaxPages) or restarts
        // one (at most MaxPageAttempts per page): the loop ends.
        while (!_done)
        {
            if (_framer is null)
            {
                await OpenPageAsync(cancellationToken).ConfigureAwait(false);
            }
            PageStep step;
            try
            {
                step = await NextFrameAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (IsBrokenBody(e, cancellationToken))
            {
                await RestartPageAsync(e is IOException && _body?.TimedOut == true ? e.Message : DescribeBodyFailure(e), e, cancellationToken).ConfigureAwait(false);
                continue;
            }
            switch (step)
            {
                case PageStep.Frame:
                    _framesOnPage++;
                    if (_framesOnPage <= _skip)
                    {
                        continue;
                    }
                    _consumed = _framesOnPage;
                    return true;
                case PageStep.Broken:
                    await RestartPageAsync(BrokenPageReason(), null, cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    FinishPage();
                    continue;
            }
        }
        _current = default;
        return false;
    }

    public override ValueTask DisposeAsync()
    {
        ClosePage();
        if (_held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
        }
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private enum PageStep
    {
        Frame,
        End,
        Broken,
    }

    private async ValueTask<PageStep> NextFrameAsync()
    {
        var framer = _framer!;
        var token = _pageCancel!.Token;
        RecordFrame frame;
        if (_lookahead)
        {
            _lookahead = false;
            frame = framer.Current;
        }
        else
        {
            if (!await framer.ReadNextAsync(token).ConfigureAwait(false))
            {
                return PageEnd();
            }
            frame = framer.Current;
        }
        if (frame.Status != RecordFrameStatus.Invalid)
        {
            _current = frame;
            return PageStep.Frame;
        }

        var held = Hold(frame);
        if (await framer.ReadNextAsync(token).ConfigureAwait(false))
        {
            _lookahead = true;
            _current = held;
            return PageStep.Frame;
        }
        // The page ended right after the Invalid frame: a bare array cannot tell a bad last record from a cut, an
        // envelope can (it closes only when the page is whole).
        if (_bareArray || !framer.IsEnvelopeComplete)
        {
            return PageStep.Broken;
        }
        _current = held;
        return PageStep.Frame;
    }

    private PageStep PageEnd()
    {
        var framer = _framer!;
        if (_bareArray)
        {
            return framer.BytesRead > 0 ? PageStep.End : PageStep.Broken;
        }
        return framer.IsEnvelopeComplete ? PageStep.End : PageStep.Broken;
    }

    private RecordFrame Hold(RecordFrame frame)
    {
        var length = frame.Memory.Length;
        if (_held is null || _held.Length < length)
        {
            if (_held is not null)
            {
                ArrayPool<byte>.Shared.Return(_held);
            }
            _held = ArrayPool<byte>.Shared.Rent(Math.Max(length, 256));
        }
        frame.Bytes.CopyTo(_held);
        return new RecordFrame(frame.Status, _held.AsMemory(0, length), frame.Ordinal, frame.Line, frame.ByteOffset, frame.Length);
    }

    private async ValueTask OpenPageAsync(CancellationToken cancellationToken)
    {
        _pageAttempts++;
        var uri = new Uri(_origin, _target);
        var log = new AttemptLog((status, attempt, delay, reason) => Emit(status == 429 ? "rate_limited" : "retry", attempt, status, delay, reason));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (_options.Token is { } token)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        request.Options.Set(AttemptLog.Key, log);

        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or TimeoutRejectedException or OperationCanceledException)
        {
            _pageHttpAttempts += Math.Max(log.Attempts, 1);
            var problem = e is TimeoutRejectedException
                ? $"no usable answer within the {_options.TotalRequestTimeout.TotalSeconds:0.###} s request budget (attempt timeout {_options.AttemptTimeout.TotalSeconds:0.###} s; last: {log.LastError ?? (log.LastStatus is { } s ? $"HTTP {(int)s}" : "nothing")})"
                : $"the connection failed ({log.LastError ?? ApiClient.Describe(e)})";
            throw Failure(log.LastStatus, problem, "Check that SUCCESSAPP_API_URL is reachable from here. Committed chunks are kept: rerun successapp sync and it resumes at this page.", e);
        }
        _pageHttpAttempts += Math.Max(log.Attempts, 1);
        _lastStatus = response.StatusCode;

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var detail = await ErrorDetailAsync(response, cancellationToken).ConfigureAwait(false);
                throw StatusFailure(response.StatusCode, detail);
            }
        }

        _response = response;
        _pageCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _body = new IdleTimeoutStream(stream, _pageCancel, cancellationToken, _options.BodyIdleTimeout);
        }
        catch
        {
            ClosePage();
            throw;
        }
        _framer = new RecordFramer(_body, _framerOptions);
        _framesOnPage = 0;
        _lookahead = false;
    }

    private void FinishPage()
    {
        var framer = _framer!;
        var frames = _framesOnPage;
        string? next;
        try
        {
            using var envelope = ParseEnvelope(framer);
            if (envelope is not null && Lookup(envelope.RootElement, _settings.TotalPath) is { ValueKind: JsonValueKind.Number } total && total.TryGetInt64(out var count))
            {
                _total = count;
            }
            next = _settings.Style switch
            {
                PaginationStyle.Cursor => NextCursorTarget(envelope, framer),
                PaginationStyle.Link => NextLinkTarget(),
                _ => NextPageTarget(frames),
            };
        }
        finally
        {
            ClosePage();
        }
        _pages++;
        if (next is null)
        {
            _done = true;
            return;
        }
        if (string.Equals(next, _target, StringComparison.Ordinal))
        {
            throw Failure(HttpStatusCode.OK, "the API named the page just read as the next page again, which would never end",
                $"Check x-successapp.pagination in schemas/{_settings.SchemaFile}.");
        }
        if (_pages >= _options.MaxPages)
        {
            throw Failure(HttpStatusCode.OK, $"the API still had a next page after {_pages} pages (the MaxPages guard)",
                $"Check x-successapp.pagination in schemas/{_settings.SchemaFile}, or raise the limit if the entity really is that large.");
        }
        _target = next;
        _consumed = 0;
        _skip = 0;
        _pageAttempts = 0;
        _pageHttpAttempts = 0;
    }

    private static JsonDocument? ParseEnvelope(RecordFramer framer)
    {
        if (framer.Envelope.IsEmpty || framer.IsEnvelopeTruncated)
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(framer.Envelope);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string? NextCursorTarget(JsonDocument? envelope, RecordFramer framer)
    {
        if (envelope is null)
        {
            throw Failure(HttpStatusCode.OK,
                framer.IsEnvelopeTruncated ? "the page's envelope (everything but the records) is larger than MaxEnvelopeBytes, so its next cursor cannot be read" : "the page has no envelope object to read the next cursor from",
                $"Check x-successapp.recordsPath and pagination.nextPath in schemas/{_settings.SchemaFile}.");
        }
        var value = Lookup(envelope.RootElement, _settings.NextPath!);
        string? cursor = value?.ValueKind switch
        {
            JsonValueKind.String => value.Value.GetString(),
            JsonValueKind.Number => value.Value.GetRawText(),
            null or JsonValueKind.Null or JsonValueKind.False => null,
            _ => throw Failure(HttpStatusCode.OK, $"the next cursor at {_settings.NextPath} is a {value.Value.ValueKind}, not a string or number",
                $"Check pagination.nextPath in schemas/{_settings.SchemaFile}."),
        };
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        var (path, query) = ApiUrls.Split(_target);
        ApiUrls.Set(query, _settings.CursorParam, cursor);
        return ApiUrls.Join(path, query);
    }

    private string? NextLinkTarget()
    {
        if (_response is null || !_response.Headers.TryGetValues("Link", out var values) || ApiUrls.NextLink(values) is not { } link)
        {
            return null;
        }
        var current = new Uri(_origin, _target);
        if (!Uri.TryCreate(current, link, out var next))
        {
            throw Failure(HttpStatusCode.OK, "the Link header's next URL cannot be read", "Report this to the API owner.");
        }
        if (!string.Equals(next.GetLeftPart(UriPartial.Authority), _origin.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            throw Failure(HttpStatusCode.OK, $"the Link header sends the next page to {ApiUrls.Redact(new Uri(next.GetLeftPart(UriPartial.Authority)))}, another host than {ApiUrls.Redact(_origin)}; the token is sent to the configured host only",
                "Point SUCCESSAPP_API_URL at the host the API links to, if that host is trusted.");
        }
        return next.PathAndQuery;
    }

    private string? NextPageTarget(long frames)
    {
        if (frames == 0 || (_settings.PageSize is { } size && frames < size))
        {
            return null;
        }
        var (path, query) = ApiUrls.Split(_target);
        var text = ApiUrls.Get(query, _settings.PageParam);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var page))
        {
            page = _settings.FirstPage;
        }
        ApiUrls.Set(query, _settings.PageParam, (page + 1).ToString(CultureInfo.InvariantCulture));
        return ApiUrls.Join(path, query);
    }

    private async ValueTask RestartPageAsync(string reason, Exception? cause, CancellationToken cancellationToken)
    {
        ClosePage();
        // Frames handed out before the break are skipped when the page comes again.
        _skip = Math.Max(_skip, _consumed);
        if (_pageAttempts >= _options.MaxPageAttempts)
        {
            throw Failure(_lastStatus, $"the page's body broke off on every one of {_pageAttempts} tries (last: {reason})",
                "Committed chunks are kept: rerun successapp sync when the API is healthy and it resumes at this page.", cause);
        }
        PageRestarts++;
        var delay = Backoff(_pageAttempts);
        Emit("page_restart", _pageAttempts, (int?)_lastStatus, delay, reason);
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseMs = _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
        var capped = Math.Min(baseMs, _options.MaxRetryDelay.TotalMilliseconds);
        // Full jitter between half and all of the delay.
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private void ClosePage()
    {
        if (_framer is not null)
        {
            _bytesBefore += _framer.BytesRead;
            _framer.Dispose();
            _framer = null;
        }
        _body?.Dispose();
        _body = null;
        _response?.Dispose();
        _response = null;
        _pageCancel?.Dispose();
        _pageCancel = null;
        _lookahead = false;
    }

    private static bool IsBrokenBody(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException;

    private static string DescribeBodyFailure(Exception e) => e switch
    {
        HttpIOException io => $"the connection broke off mid-body ({io.HttpRequestError})",
        IOException => "the connection broke off mid-body",
        HttpRequestException h => $"the connection broke off mid-body ({h.HttpRequestError})",
        _ => "reading the body was aborted",
    };

    private string BrokenPageReason()
    {
        var framer = _framer!;
        return framer.BytesRead == 0
            ? "the response body was empty"
            : $"the JSON ended early or is not valid after {framer.BytesRead} bytes";
    }

    private ApiSourceException StatusFailure(HttpStatusCode status, string detail)
    {
        var code = (int)status;
        var (problem, advice) = code switch
        {
            401 or 403 => ("the API refused the credentials",
                _options.Token is null
                    ? $"{ApiClientOptions.TokenVariable} is not set: set it to the API token."
                    : $"Check {ApiClientOptions.TokenVariable} (it is set; its value is never printed)."),
            404 => ("the endpoint does not exist", $"Check {ApiClientOptions.UrlVariable} and x-successapp.endpoint in schemas/{_settings.SchemaFile}."),
            429 => ("still rate limited when the retry budget ran out", "Committed chunks are kept: rerun later and it resumes at this page, or sync less often."),
            >= 300 and < 400 => ("the API answered with a redirect, which is not followed so that the token goes to the configured host only",
                $"Point {ApiClientOptions.UrlVariable} at the final address."),
            >= 500 => ("the API kept failing", "Committed chunks are kept: rerun successapp sync when the API is healthy and it resumes at this page."),
            _ => ("the API rejected the request", $"Check x-successapp.pagination and incremental in schemas/{_settings.SchemaFile}."),
        };
        return Failure(status, detail.Length == 0 ? problem : $"{problem} (the API said: {detail})", advice);
    }

    private ApiSourceException Failure(HttpStatusCode? status, string problem, string advice, Exception? inner = null) =>
        new(_settings.Entity, ApiUrls.Redact(new Uri(_origin, _endpointPath)), status, Math.Max(_pageHttpAttempts, 1), Scrub(problem), advice, inner);

    // The start of an error body, on one line, without the token (in case the API echoes the request).
    private async Task<string> ErrorDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[300];
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var filled = 0;
            for (var reads = 0; reads < 16 && filled < buffer.Length; reads++)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                filled += read;
            }
            var text = Encoding.UTF8.GetString(buffer, 0, filled);
            var clean = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                clean.Append(char.IsControl(c) ? ' ' : c);
            }
            var result = clean.ToString().Trim();
            return result.Length > 200 ? result[..200] + "…" : result;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return "";
        }
    }

    private string Scrub(string text) =>
        _options.Token is { Length: > 0 } token ? text.Replace(token, "***", StringComparison.Ordinal) : text;

    private void Emit(string name, int attempt, int? status, TimeSpan? delay, string reason) =>
        _options.OnEvent?.Invoke(new ApiEvent(name, _settings.Entity, Name, attempt, status, delay, Scrub(reason)));

    private bool TryParseCheckpoint(string? checkpoint, out string target, out long consumed)
    {
        target = "";
        consumed = 0;
        if (string.IsNullOrEmpty(checkpoint))
        {
            return false;
        }
        var bar = checkpoint.LastIndexOf('|');
        if (bar <= 0 || !long.TryParse(checkpoint.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out consumed))
        {
            return false;
        }
        target = checkpoint[..bar];
        // Only a position on this endpoint resumes; after an endpoint change the read starts over.
        return string.Equals(ApiUrls.Split(target).Path, _endpointPath, StringComparison.Ordinal);
    }

    private static (string Path, string Query) SplitOnce(string endpoint)
    {
        var question = endpoint.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? (endpoint, "") : (endpoint[..question], endpoint[(question + 1)..]);
    }

    /// <summary>The value at a JSON pointer (RFC 6901; object members and array indexes), or null.</summary>
    internal static JsonElement? Lookup(JsonElement root, string pointer)
    {
        if (pointer.Length == 0)
        {
            return root;
        }
        if (pointer[0] != '/')
        {
            return null;
        }
        var node = root;
        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(token, out var child))
            {
                node = child;
            }
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < node.GetArrayLength())
            {
                node = node[index];
            }
            else
            {
                return null;
            }
        }
        return node;
    }
}
