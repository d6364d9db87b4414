using System.Globalization;
using System.Net;
using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sources;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.FakeApi;
using SuccessApp.FakeApi.Data;

namespace SuccessApp.Etl.Tests.Http;

/// <summary>The HTTP source against the fake API over real loopback HTTP: paging, resuming, auth and every fault.</summary>
public sealed class HttpSourceTests
{
    private static readonly Dictionary<string, string> LinkStyle = new() { ["deals"] = "link" };

    [Fact]
    public async Task Cursor_paging_reads_every_record_once_in_the_api_order()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 450, pageSize: 40);
        var frames = await ApiTestKit.ReadAllAsync(ApiTestKit.Options(server), DealsEntity.Definition);

        var data = server.Dataset("deals");
        Assert.Equal(data.Emissions.Count, frames.Count);
        Assert.All(frames, f => Assert.StartsWith("Ok:{", f, StringComparison.Ordinal));
        Assert.Equal(Expected(data), frames);
        var requests = server.Requests.Where(r => r.Entity == "deals").ToList();
        Assert.Equal((data.Emissions.Count + 39) / 40, requests.Count);
        Assert.Equal("/v1/deals", requests[0].Target);
        Assert.All(requests.Skip(1), r => Assert.Contains("?cursor=", r.Target, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Page_paging_counts_pages_and_stops_on_a_short_or_empty_page()
    {
        await using var server = await ApiTestKit.StartAsync(accounts: 420);
        var frames = await ApiTestKit.ReadAllAsync(ApiTestKit.Options(server), AccountsEntity.Definition);

        var data = server.Dataset("accounts");
        Assert.Equal(Expected(data), frames);
        var pages = server.Requests.Where(r => r.Entity == "accounts").Select(r => r.Target).ToList();
        // 100 per page (the schema's pageSize): a full last page needs one more, empty, page to know it was the last.
        Assert.Equal(data.Emissions.Count / 100 + 1, pages.Count);
        Assert.Equal("/v1/accounts?per_page=100&page=1", pages[0]);
        Assert.Equal($"/v1/accounts?per_page=100&page={pages.Count}", pages[^1]);
    }

    [Fact]
    public async Task Link_paging_follows_the_next_link_header()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 300, pageSize: 64, styles: LinkStyle);
        var settings = ApiSettings.FromEntity(DealsEntity.Definition) with { Style = PaginationStyle.Link };
        await using var api = ApiClient.Create(ApiTestKit.Options(server));
        await using var source = api.CreateSource(DealsEntity.Definition, settings: settings);
        var (frames, _) = await ApiTestKit.ReadAsync(source);

        var data = server.Dataset("deals");
        Assert.Equal(Expected(data), frames);
        var requests = server.Requests.Select(r => r.Target).ToList();
        Assert.Equal((data.Emissions.Count + 63) / 64, requests.Count);
        Assert.All(requests.Skip(1), t => Assert.Contains("after=", t, StringComparison.Ordinal));
        Assert.Equal(requests.Count, source.PagesRead);
        Assert.Equal(data.Emissions.Count, source.TotalRecords);
    }

    [Fact]
    public async Task A_stored_cursor_makes_the_first_request_incremental_with_the_overlap()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 500);
        var data = server.Dataset("deals");
        var cursor = FakeDataset.UpdatedAt(data.Emissions.Count - 120);
        var frames = await ApiTestKit.ReadAllAsync(ApiTestKit.Options(server), DealsEntity.Definition,
            maxCursor: cursor.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));

        var since = cursor.AddSeconds(-300);
        var first = server.Requests[0].Target;
        Assert.Equal("/v1/deals?updated_since=" + Uri.EscapeDataString(FakeDataset.Format(since)), first);
        Assert.Equal(data.Select(since).Length, frames.Count);
        Assert.True(frames.Count < data.Emissions.Count / 2, "an incremental read asks only for recent changes");
        // The incremental parameter stays on every later page.
        Assert.All(server.Requests, r => Assert.Contains("updated_since=", r.Target, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cursor", 130)]
    [InlineData("cursor", 200)]
    [InlineData("link", 77)]
    [InlineData("page", 250)]
    public async Task A_checkpoint_resumes_right_after_the_last_record_consumed(string style, int stopAfter)
    {
        await using var server = await ApiTestKit.StartAsync(deals: 400, accounts: 400, pageSize: 50, styles: style == "link" ? LinkStyle : null);
        var entity = style == "page" ? AccountsEntity.Definition : DealsEntity.Definition;
        var settings = ApiSettings.FromEntity(entity) with { Style = style == "link" ? PaginationStyle.Link : ApiSettings.FromEntity(entity).Style };
        await using var api = ApiClient.Create(ApiTestKit.Options(server));

        await using var first = api.CreateSource(entity, settings: settings);
        var (head, checkpoint) = await ApiTestKit.ReadAsync(first, stopAfter: stopAfter);
        await using var second = api.CreateSource(entity, settings: settings);
        var (tail, _) = await ApiTestKit.ReadAsync(second, checkpoint);

        Assert.Equal(stopAfter, head.Count);
        Assert.Matches(@"^/v1/\w+(\?.*)?\|\d+$", checkpoint);
        Assert.Equal(Expected(server.Dataset(entity.Name)), [.. head, .. tail]);
    }

    [Fact]
    public async Task The_bearer_token_is_sent_with_every_request()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 250, pageSize: 50);
        await ApiTestKit.ReadAllAsync(ApiTestKit.Options(server), DealsEntity.Definition);

        Assert.NotEmpty(server.Requests);
        Assert.All(server.Requests, r =>
        {
            Assert.True(r.Authorized);
            Assert.Equal("Bearer", r.AuthorizationScheme);
        });
    }

    [Theory]
    [InlineData(null, "SUCCESSAPP_API_TOKEN is not set")]
    [InlineData("wrong-token-5d1c", "Check SUCCESSAPP_API_TOKEN (it is set")]
    public async Task A_refused_token_fails_at_once_with_a_hint_and_without_the_token(string? token, string hint)
    {
        await using var server = await ApiTestKit.StartAsync(deals: 50);
        var error = await Assert.ThrowsAsync<ApiSourceException>(() =>
            ApiTestKit.ReadAllAsync(ApiTestKit.Options(server, token: token), DealsEntity.Definition));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(1, error.Attempts);
        Assert.Contains(hint, error.Message, StringComparison.Ordinal);
        Assert.Contains("GET http://127.0.0.1:", error.Message, StringComparison.Ordinal);
        if (token is not null)
        {
            Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
        }
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData(FaultKind.TooManyRequests)]
    [InlineData(FaultKind.ServerError)]
    [InlineData(FaultKind.SlowResponse)]
    [InlineData(FaultKind.SlowBody)]
    [InlineData(FaultKind.ResetMidBody)]
    [InlineData(FaultKind.TruncatedJson)]
    [InlineData(FaultKind.InvalidJson)]
    [InlineData(FaultKind.NotJson)]
    public async Task Every_fault_mode_yields_exactly_the_records_of_a_clean_read(FaultKind kind)
    {
        await using var server = await ApiTestKit.StartAsync(deals: 300, accounts: 300, pageSize: 60);
        server.Faults.Add(new FaultRule(kind)
        {
            Pages = [0, 2, 3],
            Cut = 0.55,
            // Slower than the attempt timeout (headers) or the idle timeout (body) below: retried, not waited out.
            Delay = kind == FaultKind.SlowBody ? TimeSpan.FromSeconds(8 * 3) : TimeSpan.FromSeconds(3),
        });
        var events = new EventSink();
        var options = ApiTestKit.Options(server, events);
        if (kind is FaultKind.SlowResponse or FaultKind.SlowBody)
        {
            options = new ApiClientOptions
            {
                BaseUrl = options.BaseUrl,
                Token = options.Token,
                AttemptTimeout = TimeSpan.FromSeconds(1),
                BodyIdleTimeout = TimeSpan.FromSeconds(1),
                RetryBaseDelay = options.RetryBaseDelay,
                MaxRetryDelay = options.MaxRetryDelay,
                OnEvent = events.Add,
            };
        }

        foreach (var entity in new[] { DealsEntity.Definition, AccountsEntity.Definition })
        {
            var frames = await ApiTestKit.ReadAllAsync(options, entity);
            Assert.Equal(Expected(server.Dataset(entity.Name)), frames);
        }

        Assert.Equal(2 * 3, server.Faults.Injected.Count(f => f.Kind == kind));
        var logged = events.Snapshot();
        Assert.NotEmpty(logged);
        Assert.DoesNotContain(ApiTestKit.Token, events.Text(), StringComparison.Ordinal);
        Assert.All(logged, e => Assert.DoesNotContain("?", e.Endpoint, StringComparison.Ordinal));
        if (kind == FaultKind.TooManyRequests)
        {
            Assert.Contains(logged, e => e.Name == "rate_limited" && e.Status == 429 && e.Delay == TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task A_429_waits_for_retry_after_before_asking_again()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 100);
        server.Faults.Add(new FaultRule(FaultKind.TooManyRequests) { Pages = [0], Times = 1, RetryAfterSeconds = 2 });
        await ApiTestKit.ReadAllAsync(ApiTestKit.Options(server), DealsEntity.Definition);

        var requests = server.Requests;
        Assert.Equal(429, requests[0].Status);
        Assert.Equal(200, requests[1].Status);
        Assert.True(requests[1].Since(requests[0]) >= TimeSpan.FromSeconds(1.9), $"asked again after {requests[1].Since(requests[0])}");
    }

    [Fact]
    public async Task Records_of_a_page_that_broke_off_are_not_handed_out_twice()
    {
        // Cut late, so most of page 1 was framed and handed out before the break.
        await using var server = await ApiTestKit.StartAsync(deals: 300, pageSize: 100);
        server.Faults.Add(new FaultRule(FaultKind.TruncatedJson) { Pages = [1], Cut = 0.9 }, new FaultRule(FaultKind.ResetMidBody) { Pages = [2], Cut = 0.8 });
        await using var api = ApiClient.Create(ApiTestKit.Options(server));
        await using var source = api.CreateSource(DealsEntity.Definition);
        var (frames, _) = await ApiTestKit.ReadAsync(source);

        Assert.Equal(Expected(server.Dataset("deals")), frames);
        Assert.Equal(2, source.PageRestarts);
    }

    [Fact]
    public async Task A_permanent_failure_is_an_api_source_exception_with_endpoint_status_and_attempts()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 300, pageSize: 50);
        server.Faults.Add(new FaultRule(FaultKind.ServerError) { FromPage = 2, Times = FaultRule.Forever });
        var options = ApiTestKit.Options(server);
        var error = await Assert.ThrowsAsync<ApiSourceException>(() => ApiTestKit.ReadAllAsync(options, DealsEntity.Definition));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(options.MaxRetries + 1, error.Attempts);
        Assert.Equal($"deals: GET {server.BaseUrl}v1/deals failed (HTTP 500 InternalServerError, 7 attempts): the API kept failing (the API said: {{\"error\":\"internal_error\",\"message\":\"something went wrong\"}}). Committed chunks are kept: rerun successapp sync when the API is healthy and it resumes at this page.", error.Message);
    }

    [Fact]
    public async Task A_body_that_breaks_off_every_time_fails_after_the_page_attempts()
    {
        await using var server = await ApiTestKit.StartAsync(deals: 300, pageSize: 50);
        server.Faults.Add(new FaultRule(FaultKind.TruncatedJson) { Pages = [1], Times = FaultRule.Forever });
        var options = ApiTestKit.Options(server);
        var error = await Assert.ThrowsAsync<ApiSourceException>(() => ApiTestKit.ReadAllAsync(options, DealsEntity.Definition));

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Contains($"broke off on every one of {options.MaxPageAttempts} tries", error.Message, StringComparison.Ordinal);
        Assert.Equal(1 + options.MaxPageAttempts, server.Requests.Count);
    }

    [Fact]
    public async Task A_link_to_another_host_is_refused_so_the_token_stays_home()
    {
        await using var server = await FakeApiServer.StartAsync(new FakeApiOptions
        {
            Token = ApiTestKit.Token,
            Records = new Dictionary<string, int> { ["deals"] = 200 },
            DefaultPageSize = 50,
            StyleOverrides = LinkStyle,
            LinkHost = "https://elsewhere.test",
        });
        var settings = ApiSettings.FromEntity(DealsEntity.Definition) with { Style = PaginationStyle.Link };
        await using var api = ApiClient.Create(ApiTestKit.Options(server));
        await using var source = api.CreateSource(DealsEntity.Definition, settings: settings);
        var error = await Assert.ThrowsAsync<ApiSourceException>(() => ApiTestKit.ReadAsync(source));

        Assert.Contains("sends the next page to https://elsewhere.test/, another host", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    /// <summary>What a clean read of the whole list gives, in order.</summary>
    internal static List<string> Expected(FakeDataset data)
    {
        var frames = new List<string>(data.Emissions.Count);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        for (var i = 0; i < data.Emissions.Count; i++)
        {
            buffer.ResetWrittenCount();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                data.WriteRecord(writer, i);
            }
            frames.Add(RecordFrameStatus.Ok + ":" + System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
        return frames;
    }
}
