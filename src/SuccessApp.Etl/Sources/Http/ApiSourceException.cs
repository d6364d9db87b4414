using System.Globalization;
using System.Net;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>
/// The API could not be read within the retry budget, or answered in a way the source cannot use. Chunks committed
/// before the failure stay committed, with their resume position: rerunning <c>successapp sync</c> continues at the
/// page it stopped on. The message names the endpoint (no query, no credentials), the HTTP status, the attempts made
/// and what to do; it never holds the token.
/// </summary>
public sealed class ApiSourceException : Exception
{
    public ApiSourceException(string entity, string endpoint, HttpStatusCode? status, int attempts, string problem, string advice, Exception? inner = null)
        : base(Compose(entity, endpoint, status, attempts, problem, advice), inner)
    {
        Entity = entity;
        Endpoint = endpoint;
        StatusCode = status;
        Attempts = attempts;
    }

    public string Entity { get; }

    /// <summary>Scheme, host and path of the failing request.</summary>
    public string Endpoint { get; }

    /// <summary>The last HTTP status received, or null when no response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    public int Attempts { get; }

    private static string Compose(string entity, string endpoint, HttpStatusCode? status, int attempts, string problem, string advice)
    {
        var statusText = status is { } s ? string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)s} {s}") : "no response";
        var tries = attempts == 1 ? "1 attempt" : string.Create(CultureInfo.InvariantCulture, $"{attempts} attempts");
        return $"{entity}: GET {endpoint} failed ({statusText}, {tries}): {problem}. {advice}";
    }
}
