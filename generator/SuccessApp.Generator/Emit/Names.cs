using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using SuccessApp.Generator.Model;

namespace SuccessApp.Generator.Emit;

/// <summary>How names from schemas become C# identifiers, SQL identifiers, JSON paths and literals.</summary>
internal static class Names
{
    /// <summary><c>territories_association.target_id</c> → <c>TerritoriesAssociationTargetId</c>; always a valid identifier.</summary>
    public static string Pascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (c < 128 && char.IsLetterOrDigit(c))
            {
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else if (c >= 128 && char.IsLetter(c))
            {
                builder.Append(c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }
        if (builder.Length == 0)
        {
            builder.Append("Column");
        }
        if (char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        var result = builder.ToString();
        return SyntaxFacts.GetKeywordKind(result) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(result) != SyntaxKind.None
            ? "@" + result
            : result;
    }

    /// <summary>The JSON path step for a property: <c>.name</c>, or <c>['odd name']</c> when it is not a plain word.</summary>
    public static string PathSegment(string name)
    {
        var plain = name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_');
        foreach (var c in name)
        {
            plain &= c < 128 && (char.IsLetterOrDigit(c) || c == '_');
        }
        return plain ? "." + name : "['" + name.Replace("\\", "\\\\").Replace("'", "\\'") + "']";
    }

    /// <summary>Escapes text for use inside a JSON string.</summary>
    public static string JsonEscape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.ToString();
    }

    /// <summary>A C# string literal for any text (used for SQL, names and UTF-8 literals alike).</summary>
    public static string Literal(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    public static string Utf8Literal(string text) => Literal(text) + "u8";

    /// <summary>
    /// A multi-line raw string literal, so SQL reads in the generated file as it runs. The delimiter is one quote
    /// longer than the longest run of quotes in the text (quoted identifiers may hold any number).
    /// </summary>
    public static string RawLiteral(string text)
    {
        var longest = 0;
        var run = 0;
        foreach (var c in text)
        {
            run = c == '"' ? run + 1 : 0;
            longest = System.Math.Max(longest, run);
        }
        var delimiter = new string('"', System.Math.Max(3, longest + 1));
        if (text.IndexOf('\n') < 0 && !text.StartsWith("\"", System.StringComparison.Ordinal) && !text.EndsWith("\"", System.StringComparison.Ordinal))
        {
            return delimiter + text + delimiter;
        }
        return delimiter + "\n" + text.Replace("\r\n", "\n") + "\n" + delimiter;
    }

    /// <summary>Always quoted: a property called <c>x"; DROP TABLE deals; --</c> is only ever a column name.</summary>
    public static string Sql(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    /// <summary>A name for the worker's own tables (staging, accepted keys) that stays within 63 bytes.</summary>
    public static string Internal(string prefix, string table)
    {
        var name = prefix + table;
        if (Encoding.UTF8.GetByteCount(name) <= 63)
        {
            return name;
        }
        var hash = 0u;
        foreach (var c in table)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }
        var suffix = "_" + hash.ToString("x8", CultureInfo.InvariantCulture);
        var keep = table;
        while (Encoding.UTF8.GetByteCount(prefix + keep + suffix) > 63)
        {
            keep = keep.Substring(0, keep.Length - 1);
        }
        return prefix + keep + suffix;
    }

    public static string PgType(ValueKind kind) => kind switch
    {
        ValueKind.Text => "text",
        ValueKind.Uuid => "uuid",
        ValueKind.TimestampTz => "timestamptz",
        ValueKind.Date => "date",
        ValueKind.Int64 => "bigint",
        ValueKind.Numeric => "numeric",
        ValueKind.Boolean => "boolean",
        ValueKind.Jsonb => "jsonb",
        _ => "integer",
    };

    public static string ClrType(ValueKind kind) => kind switch
    {
        ValueKind.Text or ValueKind.Numeric or ValueKind.Jsonb => "global::SuccessApp.Etl.Flattening.Utf8Slice",
        ValueKind.Uuid => "global::System.Guid?",
        ValueKind.TimestampTz => "global::System.DateTime?",
        ValueKind.Date => "global::System.DateOnly?",
        ValueKind.Int64 => "long?",
        ValueKind.Boolean => "bool?",
        _ => "int",
    };
}

/// <summary>Hands out unique member names within one type, suffixing repeats (<c>Name2</c>).</summary>
internal sealed class MemberNames
{
    private readonly HashSet<string> _taken;

    public MemberNames(params string[] reserved)
    {
        _taken = new HashSet<string>(reserved);
    }

    public string Claim(string name)
    {
        var candidate = name;
        for (var i = 2; !_taken.Add(candidate); i++)
        {
            candidate = name + i.ToString(CultureInfo.InvariantCulture);
        }
        return candidate;
    }
}
