using SuccessApp.Etl.Entities;
using SuccessApp.Etl.Sources.Http;

namespace SuccessApp.Etl.Tests.Http;

/// <summary>Reading x-successapp into <see cref="ApiSettings"/>, the URL rules, and the pieces the source is built from.</summary>
public sealed class ApiSettingsTests
{
    [Fact]
    public void The_shipped_schemas_configure_their_endpoints()
    {
        var deals = ApiSettings.FromEntity(DealsEntity.Definition);
        Assert.Equal("/v1/deals", deals.Endpoint);
        Assert.Equal("/data", deals.RecordsPath);
        Assert.Equal(PaginationStyle.Cursor, deals.Style);
        Assert.Equal("/meta/next_cursor", deals.NextPath);
        Assert.Equal("cursor", deals.CursorParam);
        Assert.Equal("updated_since", deals.IncrementalParam);
        Assert.Equal(300, deals.OverlapSeconds);

        var accounts = ApiSettings.FromEntity(AccountsEntity.Definition);
        Assert.Equal(PaginationStyle.Page, accounts.Style);
        Assert.Equal("page", accounts.PageParam);
        Assert.Equal("per_page", accounts.SizeParam);
        Assert.Equal(100, accounts.PageSize);
    }

    [Fact]
    public void Every_registered_entity_can_be_read_over_http()
    {
        foreach (var entity in SchemaRegistry.Entities)
        {
            var settings = ApiSettings.FromEntity(entity);
            Assert.StartsWith("/", settings.Endpoint, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"table":"x"}""", "x-successapp.endpoint is missing")]
    [InlineData("""{"endpoint":"v1/x","pagination":{"style":"link"}}""", "must be a path starting with '/'")]
    [InlineData("""{"endpoint":"/v1/x"}""", "x-successapp.pagination is missing")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"offset"}}""", "x-successapp.pagination.style 'offset'")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"cursor"}}""", "x-successapp.pagination.nextPath is missing")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"cursor","nextPath":"meta.next"}}""", "is not a JSON pointer")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"page","pageSize":0}}""", "pageSize must be an integer of at least 1")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"page","pageSize":"100"}}""", "found \"100\"")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"link","pageSize":50}}""", "needs a sizeParam")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"link"},"incremental":{"overlapSeconds":5}}""", "incremental.param is missing")]
    [InlineData("""{"endpoint":"/v1/x","pagination":{"style":"link"},"incremental":{"param":"a b"}}""", "not a usable query parameter name")]
    [InlineData("""{"endpoint":"/v1/x","recordsPath":"data","pagination":{"style":"link"}}""", "recordsPath 'data' is not a JSON pointer")]
    public void A_missing_or_invalid_setting_names_the_schema_file_and_the_fix(string json, string expected)
    {
        var error = Assert.Throws<ApiSettingsException>(() => ApiSettings.Parse(json, "things", "things.schema.json"));
        Assert.StartsWith("schemas/things.schema.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-03-01T12:00:00.0000000Z", 300, "2024-03-01 11:55:00")]
    [InlineData("2024-03-01 12:00:00", 0, "2024-03-01 12:00:00")]
    [InlineData("2024-03-01T14:00:00+02:00", 60, "2024-03-01 11:59:00")]
    [InlineData("2024-03-01", 3600, "2024-02-29 23:00:00")]
    [InlineData("0001-01-01T00:00:10Z", 300, "0001-01-01 00:00:00")]
    [InlineData("123456", 300, "123456")]
    public void The_incremental_value_is_the_cursor_minus_the_overlap_in_the_api_format(string cursor, int overlap, string expected) =>
        Assert.Equal(expected, HttpRecordSource.FormatSince(cursor, overlap));

    [Theory]
    [InlineData("<https://api.test/v1/deals?after=200>; rel=\"next\"", "https://api.test/v1/deals?after=200")]
    [InlineData("<https://api.test/a?x=1,2>; rel=\"first\", <https://api.test/b>; rel=\"next\"", "https://api.test/b")]
    [InlineData("</v1/deals?page=3>; title=\"a, b\"; rel=\"prev next\"", "/v1/deals?page=3")]
    [InlineData("<https://api.test/last>; rel=last", null)]
    [InlineData("", null)]
    public void The_next_link_is_found_in_a_link_header(string header, string? expected) =>
        Assert.Equal(expected, ApiUrls.NextLink([header]));

    [Theory]
    [InlineData("http://api.successapp.test")]
    [InlineData("http://10.1.2.3:8080")]
    public void Plain_http_to_a_host_that_is_not_loopback_is_refused(string url)
    {
        var options = new ApiClientOptions { BaseUrl = new Uri(url), Token = ApiTestKit.Token };
        var error = Assert.Throws<ArgumentException>(() => ApiClient.Create(options));
        Assert.Contains("SUCCESSAPP_API_ALLOW_HTTP=1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiTestKit.Token, error.Message, StringComparison.Ordinal);

        // Allowed on purpose, it is built (nothing is sent until a source reads).
        using var allowed = ApiClient.Create(new ApiClientOptions { BaseUrl = new Uri(url), Token = ApiTestKit.Token, AllowInsecureHttp = true });
        Assert.NotNull(allowed.Factory);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5055")]
    [InlineData("http://localhost:5055")]
    [InlineData("http://[::1]:5055")]
    [InlineData("https://api.successapp.test")]
    public void Https_and_loopback_http_are_accepted(string url)
    {
        using var api = ApiClient.Create(new ApiClientOptions { BaseUrl = new Uri(url), Token = ApiTestKit.Token });
        Assert.Equal(new Uri(url), api.Options.BaseUrl);
    }

    [Fact]
    public void Credentials_in_the_url_are_refused_without_being_repeated()
    {
        var error = Assert.Throws<ArgumentException>(() => ApiClient.Create(new ApiClientOptions { BaseUrl = new Uri("https://user:hunter2@api.successapp.test") }));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Contains("SUCCESSAPP_API_TOKEN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redacted_urls_keep_neither_query_nor_credentials() =>
        Assert.Equal("https://api.successapp.test:8443/v1/deals", ApiUrls.Redact(new Uri("https://u:p@api.successapp.test:8443/v1/deals?api_key=secret#x")));

    [Fact]
    public void The_first_request_carries_the_page_and_incremental_parameters()
    {
        using var api = ApiClient.Create(new ApiClientOptions { BaseUrl = new Uri("https://api.successapp.test/base/"), Token = ApiTestKit.Token });
        var accounts = api.CreateSource(AccountsEntity.Definition);
        Assert.Equal("/base/v1/accounts?updated_since=2024-05-01%2009%3A55%3A00&per_page=100&page=1", accounts.FirstTarget("2024-05-01T10:00:00.0000000Z"));
        Assert.Equal("/base/v1/accounts?per_page=100&page=1", accounts.FirstTarget(null));
        Assert.Equal("https://api.successapp.test/base/v1/accounts", accounts.Name);
        var deals = api.CreateSource(DealsEntity.Definition);
        Assert.Equal("/base/v1/deals", deals.FirstTarget(null));
    }
}
