using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SuccessApp.Etl.Schema;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>
/// The SuccessApp API as the worker talks to it: one <see cref="IHttpClientFactory"/> (its own small service
/// provider) whose named client carries the resilience pipeline — total timeout, jittered exponential retries on
/// 5xx/408/429, timeouts and dropped connections (429 and 503 wait for <c>Retry-After</c>), and a per-attempt
/// timeout — and creates an <see cref="HttpRecordSource"/> per entity. Redirects are not followed, so the bearer
/// token only ever goes to the configured host.
/// </summary>
public sealed class ApiClient : IDisposable, IAsyncDisposable
{
    public const string ClientName = "successapp-api";

    private readonly ServiceProvider _services;

    private ApiClient(ApiClientOptions options, ServiceProvider services)
    {
        Options = options;
        _services = services;
        Factory = services.GetRequiredService<IHttpClientFactory>();
    }

    public ApiClientOptions Options { get; }

    public IHttpClientFactory Factory { get; }

    /// <summary>Validates the options (https, or loopback, or explicitly allowed http) and builds the client factory.</summary>
    public static ApiClient Create(ApiClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var services = new ServiceCollection();
        AddHttpClient(services, options);
        return new ApiClient(options, services.BuildServiceProvider());
    }

    /// <summary>Registers the named client <see cref="ClientName"/> with its handler and resilience pipeline.</summary>
    public static IHttpClientBuilder AddHttpClient(IServiceCollection services, ApiClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var builder = services.AddHttpClient(ClientName, client =>
        {
            // The resilience pipeline owns every timeout; HttpClient's own would cut long body reads.
            client.Timeout = Timeout.InfiniteTimeSpan;
            client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
            client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        });
        // No request logging: URLs and headers stay out of logs whatever logging a host configures.
        builder.RemoveAllLoggers();
        builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        });
        builder.AddResilienceHandler("successapp-api", pipeline => ConfigurePipeline(pipeline, options));
        // Inside the pipeline: sees every attempt, so failures can say how many were made.
        builder.AddHttpMessageHandler(() => new AttemptCounter());
        return builder;
    }

    /// <summary>The source of one entity, configured from its schema's <c>x-successapp</c> block.</summary>
    public HttpRecordSource CreateSource(EntityDefinition entity, RecordFramerOptions? framer = null, ApiSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return CreateSource(settings ?? ApiSettings.FromEntity(entity), framer);
    }

    /// <summary>The source of an endpoint described by settings alone (tooling that reads a schema file, not the built entities).</summary>
    public HttpRecordSource CreateSource(ApiSettings settings, RecordFramerOptions? framer = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new HttpRecordSource(Factory.CreateClient(ClientName), Options, settings, framer);
    }

    public void Dispose() => _services.Dispose();

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, ApiClientOptions options)
    {
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "total", Timeout = options.TotalRequestTimeout });
        if (options.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                Name = "retry",
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldRetryAfterHeader = false,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxRetryAfter)),
                OnRetry = args =>
                {
                    var request = args.Context.GetRequestMessage();
                    if (request is not null && request.Options.TryGetValue(AttemptLog.Key, out var log))
                    {
                        var status = args.Outcome.Result?.StatusCode;
                        var reason = args.Outcome.Exception is { } e ? Describe(e) : status is { } s ? $"HTTP {(int)s}" : "failure";
                        log.Retried(status, args.AttemptNumber + 1, args.RetryDelay, reason);
                    }
                    return ValueTask.CompletedTask;
                },
            });
        }
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "attempt", Timeout = options.AttemptTimeout });
    }

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is { } exception)
        {
            return !cancellationToken.IsCancellationRequested
                && exception is HttpRequestException or IOException or TimeoutRejectedException;
        }
        if (outcome.Result is not { } response)
        {
            return false;
        }
        var code = (int)response.StatusCode;
        return code is 408 or 429 || (code >= 500 && code is not 501 and not 505);
    }

    /// <summary>The server's <c>Retry-After</c> on a 429 or 503 (seconds or a date), capped; null: use the backoff.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        if (response is null || response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
        {
            return null;
        }
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is not { } value)
        {
            return null;
        }
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }
        return value > cap ? cap : value;
    }

    internal static string Describe(Exception exception) => exception switch
    {
        TimeoutRejectedException => "attempt timed out",
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => $"connection failed ({h.HttpRequestError})",
        _ => exception.GetType().Name,
    };

    private sealed class AttemptCounter : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Options.TryGetValue(AttemptLog.Key, out var log);
            log?.Attempted();
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                log?.Answered(response.StatusCode);
                return response;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                log?.Failed(Describe(e));
                throw;
            }
        }
    }
}

/// <summary>What happened to one logical request across its attempts: kept on the request's options.</summary>
internal sealed class AttemptLog(Action<int?, int, TimeSpan, string>? onRetry)
{
    public static readonly HttpRequestOptionsKey<AttemptLog> Key = new("successapp.attempts");

    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    public HttpStatusCode? LastStatus { get; private set; }

    public string? LastError { get; private set; }

    public void Attempted() => Interlocked.Increment(ref _attempts);

    public void Answered(HttpStatusCode status)
    {
        LastStatus = status;
        LastError = null;
    }

    public void Failed(string error) => LastError = error;

    public void Retried(HttpStatusCode? status, int attempt, TimeSpan delay, string reason) => onRetry?.Invoke((int?)status, attempt, delay, reason);
}
