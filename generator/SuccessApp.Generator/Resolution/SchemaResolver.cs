using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using SuccessApp.Generator.Diagnostics;
using SuccessApp.Generator.Model;

namespace SuccessApp.Generator.Resolution;

/// <summary>A schema after following <c>$ref</c>s, with the keywords of the referring schemas applied on top.</summary>
internal sealed class ResolvedSchema
{
    public ResolvedSchema(SchemaNode node, SchemaFile file)
    {
        Node = node;
        File = file;
    }

    public SchemaNode Node { get; set; }

    public SchemaFile File { get; set; }

    public string? Column { get; set; }

    public string? Table { get; set; }

    public string? PgType { get; set; }

    public EquatableArray<string> Key { get; set; } = EquatableArray<string>.Empty;

    public SourcePos KeyPos { get; set; }

    public bool? Flatten { get; set; }

    public bool Nullable { get; set; }

    /// <summary>The first <c>$ref</c> followed, as written.</summary>
    public string? RefTarget { get; set; }

    /// <summary>File and pointer of every schema followed, for cycle detection.</summary>
    public List<string> Trail { get; } = new();
}

/// <summary>Follows <c>$ref</c> (in-file and across files) and reports what cannot be followed.</summary>
internal sealed class SchemaResolver
{
    private readonly ImmutableArray<SchemaFile> _files;
    private readonly List<DiagnosticInfo> _diagnostics;

    public SchemaResolver(ImmutableArray<SchemaFile> files, List<DiagnosticInfo> diagnostics)
    {
        _files = files;
        _diagnostics = diagnostics;
    }

    public ResolvedSchema Resolve(SchemaNode node, SchemaFile file, string where)
    {
        var resolved = new ResolvedSchema(node, file);
        Apply(resolved, node);
        var hops = 0;
        while (resolved.Node.Ref is { } reference)
        {
            var origin = resolved.Node;
            var target = Find(reference, resolved.File, out var reason);
            if (target is null)
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnresolvedRef, resolved.File.Path, origin.RefPos, where, reference, reason));
                resolved.Node = WithoutRef(origin);
                break;
            }
            resolved.RefTarget ??= reference;
            var id = target.Value.File.Path + "#" + Pointer(reference);
            if (resolved.Trail.Contains(id) || ++hops > 64)
            {
                _diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.RecursiveSchema, resolved.File.Path, origin.RefPos, where, reference));
                resolved.Node = WithoutRef(origin);
                resolved.Flatten = false;
                break;
            }
            resolved.Trail.Add(id);
            resolved.Node = target.Value.Node;
            resolved.File = target.Value.File;
            Apply(resolved, target.Value.Node);
        }
        return resolved;
    }

    // Keywords next to $ref and on the referring schemas win over the target's: the nearest schema says it.
    private static void Apply(ResolvedSchema resolved, SchemaNode node)
    {
        resolved.Column ??= node.Column;
        resolved.Table ??= node.Table;
        resolved.PgType ??= node.PgType;
        resolved.Flatten ??= node.Flatten;
        if (resolved.Key.Count == 0 && node.Key.Count > 0)
        {
            resolved.Key = node.Key;
            resolved.KeyPos = node.KeyPos;
        }
        if (node.Types.Contains("null") || node.EnumHasNull)
        {
            resolved.Nullable = true;
        }
    }

    private (SchemaNode Node, SchemaFile File)? Find(string reference, SchemaFile from, out string reason)
    {
        var hash = reference.IndexOf('#');
        var filePart = hash < 0 ? reference : reference.Substring(0, hash);
        var pointer = hash < 0 ? string.Empty : reference.Substring(hash + 1);
        var file = from;
        if (filePart.Length > 0)
        {
            var name = filePart.Replace('\\', '/');
            var slash = name.LastIndexOf('/');
            var baseName = slash < 0 ? name : name.Substring(slash + 1);
            file = _files.FirstOrDefault(f => f.Root is not null && (f.Id == filePart || string.Equals(f.FileName, baseName, StringComparison.Ordinal)))!;
            if (file is null)
            {
                reason = $"no schema file '{filePart}' is among the schema files given to the build (schemas/**/*.schema.json)";
                return null;
            }
        }
        if (file.Root is null)
        {
            reason = $"'{file.FileName}' could not be read";
            return null;
        }
        var node = file.Root;
        var segments = pointer.Length == 0 ? Array.Empty<string>() : pointer.TrimStart('/').Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = Unescape(segments[i]);
            var next = i + 1 < segments.Length ? Unescape(segments[i + 1]) : null;
            switch (segment)
            {
                case "$defs" or "definitions" when next is not null:
                    node = node.Definitions.FirstOrDefault(d => d.Container == segment && d.Name == next)?.Schema!;
                    i++;
                    break;
                case "properties" when next is not null:
                    node = node.Properties.FirstOrDefault(p => p.Name == next)?.Schema!;
                    i++;
                    break;
                case "items":
                    node = node.Items!;
                    break;
                case "anyOf" or "oneOf" or "allOf" when next is not null && int.TryParse(next, out var index):
                    var list = segment == "anyOf" ? node.AnyOf : segment == "oneOf" ? node.OneOf : node.AllOf;
                    node = index >= 0 && index < list.Count ? list[index] : null!;
                    i++;
                    break;
                default:
                    node = null!;
                    break;
            }
            if (node is null)
            {
                reason = $"'{file.FileName}' has nothing at '#{pointer}'";
                return null;
            }
        }
        reason = string.Empty;
        return (node, file);
    }

    private static string Pointer(string reference)
    {
        var hash = reference.IndexOf('#');
        return hash < 0 ? string.Empty : reference.Substring(hash + 1);
    }

    private static string Unescape(string segment) =>
        Uri.UnescapeDataString(segment).Replace("~1", "/").Replace("~0", "~");

    private static SchemaNode WithoutRef(SchemaNode node) => node with { Ref = null };
}
