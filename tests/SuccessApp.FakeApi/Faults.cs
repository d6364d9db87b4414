namespace SuccessApp.FakeApi;

/// <summary>What can go wrong with one response.</summary>
public enum FaultKind
{
    /// <summary>429 with <c>Retry-After: RetryAfterSeconds</c> (a burst when <see cref="FaultRule.Times"/> &gt; 1).</summary>
    TooManyRequests,

    /// <summary>500 with a small JSON error body.</summary>
    ServerError,

    /// <summary>The headers come only after <see cref="FaultRule.Delay"/> (beyond a client's attempt timeout it is a timeout).</summary>
    SlowResponse,

    /// <summary>The body trickles out in small parts over <see cref="FaultRule.Delay"/>.</summary>
    SlowBody,

    /// <summary>The connection is aborted after <see cref="FaultRule.Cut"/> of the body was sent.</summary>
    ResetMidBody,

    /// <summary>The response ends cleanly after <see cref="FaultRule.Cut"/> of the body: the JSON is cut short.</summary>
    TruncatedJson,

    /// <summary>A complete 200 whose JSON is structurally broken: the records array closes with <c>}</c>.</summary>
    InvalidJson,

    /// <summary>A 200 with an HTML error page instead of JSON, as a misbehaving proxy sends.</summary>
    NotJson,
}

/// <summary>
/// A fault and where it strikes: which entity, which pages (0-based position of the page in the list), and how many
/// times each matching page request (the same path and query) fails before it is served correctly.
/// </summary>
public sealed record FaultRule(FaultKind Kind)
{
    /// <summary><see cref="Times"/> for a fault that never heals.</summary>
    public const int Forever = int.MaxValue;

    /// <summary>The entity (root table name) it applies to; null: all.</summary>
    public string? Entity { get; init; }

    /// <summary>Only these pages; null: every page from <see cref="FromPage"/> on.</summary>
    public IReadOnlyList<int>? Pages { get; init; }

    public int FromPage { get; init; }

    /// <summary>Failures per page request before it succeeds.</summary>
    public int Times { get; init; } = 1;

    public int RetryAfterSeconds { get; init; } = 1;

    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Fraction of the body written before a reset or truncation.</summary>
    public double Cut { get; init; } = 0.5;

    public bool Matches(string entity, int page) =>
        (Entity is null || string.Equals(Entity, entity, StringComparison.Ordinal))
        && (Pages is { } pages ? pages.Contains(page) : page >= FromPage);
}

/// <summary>The faults of one server, switchable while it runs (e.g. cleared before a rerun). Thread-safe.</summary>
public sealed class FaultPlan
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Dictionary<(int Rule, string Target), int> _hits = [];
    private readonly List<(FaultKind Kind, string Entity, int Page)> _injected = [];

    public void Add(params FaultRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        lock (_gate)
        {
            _rules.AddRange(rules);
        }
    }

    /// <summary>Removes every rule: the server is healthy from the next request on.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _hits.Clear();
        }
    }

    /// <summary>Every fault injected so far, in order.</summary>
    public IReadOnlyList<(FaultKind Kind, string Entity, int Page)> Injected
    {
        get
        {
            lock (_gate)
            {
                return [.. _injected];
            }
        }
    }

    /// <summary>The fault for this request, if a rule still has one for it (counts the hit).</summary>
    public FaultRule? Next(string entity, int page, string target)
    {
        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var rule = _rules[i];
                if (!rule.Matches(entity, page))
                {
                    continue;
                }
                var hits = _hits.GetValueOrDefault((i, target));
                if (hits >= rule.Times)
                {
                    continue;
                }
                _hits[(i, target)] = hits + 1;
                _injected.Add((rule.Kind, entity, page));
                return rule;
            }
            return null;
        }
    }
}
