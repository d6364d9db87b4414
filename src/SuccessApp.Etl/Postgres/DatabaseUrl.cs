using System.Data.Common;
using System.Globalization;
using System.Net;
using Npgsql;

namespace SuccessApp.Etl.Postgres;

/// <summary>
/// Turns a DATABASE_URL (Heroku's <c>postgres://user:pass@host:port/db?sslmode=require</c>) or a plain Npgsql
/// connection string into an Npgsql connection string, enforcing TLS for remote hosts.
/// </summary>
/// <remarks>
/// TLS semantics (checked against Npgsql 10.0.3): <see cref="SslMode.Require"/> encrypts but does not validate the
/// server certificate chain or host name, like libpq's <c>sslmode=require</c>. That is what Heroku Postgres needs, since
/// its certificates do not chain to a public root. <c>Trust Server Certificate</c> is obsolete since Npgsql 8 and does
/// nothing (using it is a compile-time obsolete warning), so it is not set. VerifyCA/VerifyFull in the input are kept.
/// </remarks>
public static class DatabaseUrl
{
    /// <summary>Environment variable that, set to 1, lets callers pass <c>allowInsecure: true</c>.</summary>
    public const string AllowInsecureVariable = "SUCCESSAPP_DB_ALLOW_INSECURE";

    private const int DefaultPort = 5432;
    private const string Expected = "expected postgres://user:password@host:port/database?sslmode=require; "
        + "percent-encode special characters in the user name or password (e.g. '@' as %40, '/' as %2F, ':' as %3A)";

    /// <summary>True when <see cref="AllowInsecureVariable"/> is 1 or true.</summary>
    public static bool InsecureAllowedByEnvironment() =>
        Environment.GetEnvironmentVariable(AllowInsecureVariable)?.Trim() is "1" or "true" or "TRUE" or "True";

    /// <summary>
    /// Parses a postgres:// or postgresql:// URL (percent-decoded, default port 5432) or passes through an Npgsql
    /// connection string. Non-loopback hosts get SslMode=Require unless <paramref name="allowInsecure"/>; an explicit
    /// sslmode=disable for such a host without it is an error.
    /// </summary>
    /// <exception cref="ArgumentException">Malformed input, or plaintext to a remote host; never contains the password.</exception>
    public static string ToConnectionString(string databaseUrl, bool allowInsecure = false)
    {
        ArgumentNullException.ThrowIfNull(databaseUrl);
        var text = databaseUrl.Trim();
        if (text.Length == 0)
        {
            throw new ArgumentException("The database URL is empty.", nameof(databaseUrl));
        }

        var builder = SchemeLength(text) is { } schemeLength
            ? ParseUrl(text, schemeLength)
            : ParseConnectionString(text);
        ApplyTlsRule(builder, allowInsecure);
        return builder.ConnectionString;
    }

    /// <summary>The input, in its own form, with any password replaced by <c>***</c>; safe to log, never throws on bad input.</summary>
    public static string Redact(string connectionStringOrUrl)
    {
        ArgumentNullException.ThrowIfNull(connectionStringOrUrl);
        var text = connectionStringOrUrl.Trim();
        return text.Contains("://", StringComparison.Ordinal) ? RedactUrl(text) : RedactConnectionString(text);
    }

    private static int? SchemeLength(string text)
    {
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0)
        {
            return null;
        }

        var scheme = text[..separator];
        if (scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase)
            || scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase))
        {
            return separator + 3;
        }

        // A "scheme" that isn't a word is probably a connection string with :// inside a value: let that parser decide.
        if (scheme.Length > 20 || !scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            return null;
        }

        throw new ArgumentException($"Unsupported database URL scheme '{scheme}': {Expected}.");
    }

    private static NpgsqlConnectionStringBuilder ParseUrl(string text, int schemeLength)
    {
        var rest = text[schemeLength..];
        // RFC 3986: the authority ends at the first '/' or '?'; the last '@' in it ends the user info.
        var authorityEnd = rest.IndexOfAny(['/', '?']);
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var tail = authorityEnd < 0 ? "" : rest[authorityEnd..];
        var builder = new NpgsqlConnectionStringBuilder();

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon < 0 ? userInfo : userInfo[..colon]);
            if (user.Length > 0)
            {
                builder.Username = user;
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..]);
            }
        }

        var (host, port) = ParseHostPort(authority[(at + 1)..]);
        if (host.Length > 0)
        {
            builder.Host = host;
        }

        builder.Port = port ?? DefaultPort;

        var queryStart = tail.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? tail : tail[..queryStart];
        if (path.Length > 1)
        {
            builder.Database = Decode(path[1..]);
        }

        if (queryStart >= 0)
        {
            ApplyQuery(builder, tail[(queryStart + 1)..]);
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Malformed("it names no host");
        }

        return builder;
    }

    private static (string Host, int? Port) ParseHostPort(string hostPort)
    {
        if (hostPort.Contains(',', StringComparison.Ordinal))
        {
            throw Malformed("several hosts are not supported in a URL (use an Npgsql connection string with Host=a,b)");
        }

        string host;
        string? port = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Malformed("an IPv6 host is missing its closing ']'");
            }

            host = hostPort[1..close];
            var after = hostPort[(close + 1)..];
            if (after.Length > 0)
            {
                port = after.StartsWith(':') ? after[1..] : throw Malformed("unexpected text after the IPv6 host");
            }
        }
        else
        {
            var colon = hostPort.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && hostPort.IndexOf(':', colon + 1) >= 0)
            {
                throw Malformed("the host has several ':' (put an IPv6 address in [brackets], or a ':' in the password was not percent-encoded)");
            }

            host = Decode(colon < 0 ? hostPort : hostPort[..colon]);
            port = colon < 0 ? null : hostPort[(colon + 1)..];
        }

        return (host, port is null or "" ? null : ParsePort(port));
    }

    private static int ParsePort(string port) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 65535
            ? value
            // The text itself is not echoed: with an unencoded '/' or '@' it may be part of the password.
            : throw Malformed("the port is not a number from 1 to 65535");

    private static void ApplyQuery(NpgsqlConnectionStringBuilder builder, string query)
    {
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            // libpq parameter names first, so URLs written for psql work unchanged; else any Npgsql keyword.
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = ParseSslMode(value);
                    break;
                case "user":
                    builder.Username = value;
                    break;
                case "password":
                    builder.Password = value;
                    break;
                case "dbname":
                    builder.Database = value;
                    break;
                case "host":
                    builder.Host = value;
                    break;
                case "port":
                    builder.Port = ParsePort(value);
                    break;
                default:
                    SetKeyword(builder, LibpqKeyword(key), value);
                    break;
            }
        }
    }

    private static string LibpqKeyword(string key) => key.ToLowerInvariant() switch
    {
        "application_name" => "Application Name",
        "connect_timeout" => "Timeout",
        "options" => "Options",
        "sslrootcert" => "Root Certificate",
        "sslcert" => "SSL Certificate",
        "sslkey" => "SSL Key",
        "target_session_attrs" => "Target Session Attributes",
        "channel_binding" => "Channel Binding",
        _ => key,
    };

    private static void SetKeyword(NpgsqlConnectionStringBuilder builder, string keyword, string value)
    {
        try
        {
            builder[keyword] = value;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw Malformed($"the parameter '{keyword}' is unknown or has an invalid value");
        }
    }

    private static SslMode ParseSslMode(string value) => value.ToLowerInvariant() switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "prefer" => SslMode.Prefer,
        "require" => SslMode.Require,
        "verify-ca" or "verifyca" => SslMode.VerifyCA,
        "verify-full" or "verifyfull" => SslMode.VerifyFull,
        _ => throw Malformed("sslmode must be disable, allow, prefer, require, verify-ca or verify-full"),
    };

    private static NpgsqlConnectionStringBuilder ParseConnectionString(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's messages name keywords, not values, but scrub the password anyway in case a future one echoes it.
            throw new ArgumentException(
                "The database URL is neither a postgres:// URL nor a valid Npgsql connection string: "
                + Scrub(e.Message, text) + " (" + Expected + ").");
        }
    }

    private static void ApplyTlsRule(NpgsqlConnectionStringBuilder builder, bool allowInsecure)
    {
        if (allowInsecure || AllHostsLocal(builder.Host))
        {
            return;
        }

        switch (builder.SslMode)
        {
            case SslMode.Disable:
                throw new ArgumentException(
                    "sslmode=disable was requested for a remote (non-loopback) PostgreSQL host, which would send the password "
                    + $"and data unencrypted. Remove sslmode=disable, or set {AllowInsecureVariable}=1 to allow it deliberately.");
            case SslMode.Allow:
            case SslMode.Prefer:
                // Both silently fall back to plaintext; Heroku and other hosted servers need TLS anyway.
                builder.SslMode = SslMode.Require;
                break;
            default:
                // Require, VerifyCA, VerifyFull: already encrypted, and the verifying ones are stricter.
                break;
        }
    }

    private static bool AllHostsLocal(string? hosts)
    {
        if (string.IsNullOrWhiteSpace(hosts))
        {
            // Nothing to protect yet; Npgsql itself rejects a missing host when connecting.
            return true;
        }

        return hosts.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).All(IsLocalHost);
    }

    private static bool IsLocalHost(string hostWithPort)
    {
        var host = StripPort(hostWithPort);
        return host.StartsWith('/')
            || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? host : host[1..close];
        }

        // Npgsql allows "host:port" entries; a bare IPv6 address has several colons and is left whole.
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && host.IndexOf(':', colon + 1) < 0 && !host.StartsWith('/') ? host[..colon] : host;
    }

    // Invalid escapes such as "%zz" are kept literally, as libpq does.
    private static string Decode(string value) => Uri.UnescapeDataString(value);

    private static ArgumentException Malformed(string reason) =>
        new($"The database URL is malformed: {reason} ({Expected}).");

    private static string RedactUrl(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal) + 3;
        var rest = text[schemeEnd..];
        // Deliberately looser than the parser: the last '@' anywhere, so an unencoded '/' or '?' in the password is still hidden.
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && colon < at)
            {
                rest = rest[..colon] + ":***" + rest[at..];
            }
        }

        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryStart < 0)
        {
            return text[..schemeEnd] + rest;
        }

        var pairs = rest[(queryStart + 1)..].Split('&');
        for (var i = 0; i < pairs.Length; i++)
        {
            var equals = pairs[i].IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pairs[i] : pairs[i][..equals];
            if (IsPasswordKey(Decode(key)))
            {
                pairs[i] = key + "=***";
            }
        }

        return text[..schemeEnd] + rest[..(queryStart + 1)] + string.Join('&', pairs);
    }

    private static string RedactConnectionString(string text)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(text);
            if (builder.Password is not null)
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Unknown keywords: fall back to the generic parser, which accepts any key.
        }

        try
        {
            var generic = new DbConnectionStringBuilder { ConnectionString = text };
            foreach (var key in generic.Keys.Cast<string>().Where(IsPasswordKey).ToList())
            {
                generic[key] = "***";
            }

            return generic.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string, redacted)";
        }
    }

    private static bool IsPasswordKey(string key) =>
        key.Trim().ToLowerInvariant() is "password" or "pwd" or "psw";

    private static string Scrub(string message, string connectionString)
    {
        try
        {
            var generic = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (var key in generic.Keys.Cast<string>().Where(IsPasswordKey))
            {
                if (generic[key]?.ToString() is { Length: > 0 } secret)
                {
                    message = message.Replace(secret, "***", StringComparison.Ordinal);
                }
            }

            return message;
        }
        catch (ArgumentException)
        {
            // Unparseable even generically: Npgsql's message then only gives a character index, which is safe.
            return message;
        }
    }
}
