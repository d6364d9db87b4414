using System.Text;

namespace SuccessApp.Etl.Sources.Http;

/// <summary>URL helpers of the HTTP source: redaction for messages, query editing, and the <c>Link</c> header.</summary>
public static class ApiUrls
{
    /// <summary>Scheme, host, port and path only: no user info, query or fragment, so nothing secret reaches a log.</summary>
    public static string Redact(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            var text = uri.OriginalString;
            var cut = text.AsSpan().IndexOfAny('?', '#');
            return cut < 0 ? text : text[..cut];
        }
        return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    /// <summary>The <c>rel="next"</c> target of <c>Link</c> header values (RFC 8288), or null.</summary>
    public static string? NextLink(IEnumerable<string> headerValues)
    {
        ArgumentNullException.ThrowIfNull(headerValues);
        foreach (var value in headerValues)
        {
            var pos = 0;
            while (pos < value.Length)
            {
                var open = value.IndexOf('<', pos);
                if (open < 0)
                {
                    break;
                }
                var close = value.IndexOf('>', open + 1);
                if (close < 0)
                {
                    break;
                }
                var target = value[(open + 1)..close];
                // The parameters run to the next link (a ',' outside quotes followed by '<') or the end.
                var end = close + 1;
                var quoted = false;
                while (end < value.Length && (quoted || value[end] != ','))
                {
                    if (value[end] == '"')
                    {
                        quoted = !quoted;
                    }
                    end++;
                }
                if (HasRelNext(value.AsSpan(close + 1, end - close - 1)))
                {
                    return target.Trim();
                }
                pos = end + 1;
            }
        }
        return null;
    }

    private static bool HasRelNext(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            var equals = parameter.IndexOf('=');
            if (equals < 0 || !parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var rel = parameter[(equals + 1)..].Trim().Trim('"');
            foreach (var relRange in rel.Split(' '))
            {
                if (rel[relRange].Equals("next", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Splits a request target (<c>/path?a=1&amp;b=2</c>) into its path and its query parameters (raw, still escaped).</summary>
    internal static (string Path, List<KeyValuePair<string, string>> Query) Split(string target)
    {
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = new List<KeyValuePair<string, string>>();
        if (question >= 0)
        {
            foreach (var part in target[(question + 1)..].Split('&'))
            {
                if (part.Length == 0)
                {
                    continue;
                }
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                query.Add(equals < 0 ? new(part, "") : new(part[..equals], part[(equals + 1)..]));
            }
        }
        return (path, query);
    }

    internal static string Join(string path, List<KeyValuePair<string, string>> query)
    {
        if (query.Count == 0)
        {
            return path;
        }
        var text = new StringBuilder(path.Length + 16 * query.Count).Append(path);
        for (var i = 0; i < query.Count; i++)
        {
            text.Append(i == 0 ? '?' : '&').Append(query[i].Key);
            if (query[i].Value.Length > 0)
            {
                text.Append('=').Append(query[i].Value);
            }
        }
        return text.ToString();
    }

    /// <summary>Sets a parameter (replacing every earlier occurrence) to an unescaped value.</summary>
    internal static void Set(List<KeyValuePair<string, string>> query, string name, string value)
    {
        var escapedName = Uri.EscapeDataString(name);
        var escapedValue = Uri.EscapeDataString(value);
        var at = -1;
        for (var i = query.Count - 1; i >= 0; i--)
        {
            if (IsNamed(query[i], name))
            {
                if (at >= 0)
                {
                    query.RemoveAt(at);
                }
                at = i;
            }
        }
        if (at >= 0)
        {
            query[at] = new(escapedName, escapedValue);
        }
        else
        {
            query.Add(new(escapedName, escapedValue));
        }
    }

    /// <summary>The unescaped value of a parameter, or null.</summary>
    internal static string? Get(List<KeyValuePair<string, string>> query, string name)
    {
        foreach (var pair in query)
        {
            if (IsNamed(pair, name))
            {
                return Uri.UnescapeDataString(pair.Value.Replace('+', ' '));
            }
        }
        return null;
    }

    private static bool IsNamed(KeyValuePair<string, string> pair, string name) =>
        string.Equals(Uri.UnescapeDataString(pair.Key), name, StringComparison.Ordinal);
}
