using System.Net;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>
/// Where the SuccessApp API is and how hard to try: base URL, bearer token, timeouts and retry budgets. The
/// defaults suit the live API from a Heroku dyno; tests shorten the delays.
/// </summary>
public sealed class ApiClientOptions
{
    public const string UrlVariable = "SUCCESSAPP_API_URL";
    public const string TokenVariable = "SUCCESSAPP_API_TOKEN";
    public const string AllowHttpVariable = "SUCCESSAPP_API_ALLOW_HTTP";

    /// <summary>The API's base URL; each entity's endpoint path is appended to it.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>Bearer token (from <c>SUCCESSAPP_API_TOKEN</c>). Sent only to <see cref="BaseUrl"/>'s host; never logged.</summary>
    public string? Token { get; init; }

    /// <summary>Allow plain <c>http://</c> to a host that is not loopback (<c>SUCCESSAPP_API_ALLOW_HTTP=1</c>): the token would cross the network in clear.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>One attempt's limit, until the response headers arrive.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One request's limit, all retries and their waits included.</summary>
    public TimeSpan TotalRequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Retries of one request after a 5xx, 408, 429, timeout or dropped connection.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>First backoff delay; it doubles per retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of one backoff delay.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cap of a server's <c>Retry-After</c>; longer waits are cut to this (the total timeout still applies).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A response body that sends nothing for this long is treated as a dropped connection.</summary>
    public TimeSpan BodyIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Attempts at one page whose body broke off (connection reset, truncated or invalid JSON). Each attempt
    /// re-requests the page and skips the records already read from it.
    /// </summary>
    public int MaxPageAttempts { get; init; } = 5;

    /// <summary>A run reads at most this many pages of one entity (a guard against an API that never stops).</summary>
    public int MaxPages { get; init; } = 1_000_000;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public string UserAgent { get; init; } = "successapp-etl/1.0";

    /// <summary>Retries and page restarts, for the worker's event log. Values are already redacted.</summary>
    public Action<ApiEvent>? OnEvent { get; init; }

    /// <summary>Parses an API base URL, with a message that does not repeat credentials written into it.</summary>
    public static Uri ParseBaseUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{UrlVariable} must be an absolute http(s) URL such as https://api.successapp.com (got a value of {url.Length} characters that is not).");
        }
        return uri;
    }

    /// <summary>Throws when these options would send the token somewhere it should not go.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(BaseUrl);
        if (!BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The API URL must be an absolute http(s) URL (got {ApiUrls.Redact(BaseUrl)}).");
        }
        if (!string.IsNullOrEmpty(BaseUrl.UserInfo))
        {
            throw new ArgumentException($"The API URL must not carry a user name or password ({ApiUrls.Redact(BaseUrl)}): put the token in {TokenVariable}.");
        }
        if (BaseUrl.Scheme == Uri.UriSchemeHttp && !AllowInsecureHttp && !IsLoopback(BaseUrl))
        {
            throw new ArgumentException(
                $"Refusing plain http:// to {BaseUrl.Host}: the API token would travel unencrypted. Use https://, or set {AllowHttpVariable}=1 if this network is trusted.");
        }
        if (Token is { } token && (token.Contains('\r', StringComparison.Ordinal) || token.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"{TokenVariable} contains a line break; set it to the token alone.");
        }
        if (AttemptTimeout <= TimeSpan.Zero || TotalRequestTimeout <= TimeSpan.Zero || BodyIdleTimeout <= TimeSpan.Zero || MaxRetries < 0 || MaxPageAttempts < 1 || MaxPages < 1)
        {
            throw new ArgumentException("API client timeouts must be positive and retry counts not negative.");
        }
    }

    /// <summary>True for localhost and loopback addresses: plain HTTP there never leaves the machine.</summary>
    public static bool IsLoopback(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.IsLoopback || string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}

/// <summary>Something the HTTP source did that an operator may want to see. Never holds the token or a query string.</summary>
/// <param name="Name"><c>retry</c> (a request is tried again), <c>rate_limited</c> (a 429, waiting for Retry-After) or <c>page_restart</c> (a body broke off; the page is requested again)</param>
/// <param name="Endpoint">scheme, host and path of the request, without query or credentials</param>
public sealed record ApiEvent(string Name, string Entity, string Endpoint, int Attempt, int? Status, TimeSpan? Delay, string? Reason);
