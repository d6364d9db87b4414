using SuccessApp.SchemaTools.Current;
using SuccessApp.SchemaTools.Inference;
using SuccessApp.SchemaTools.Json;

namespace SuccessApp.SchemaTools.Proposal;

/// <summary>A property path the samples showed and the schema lacks, with the schema proposed for it.</summary>
/// <param name="Path">from the record: <c>health.score</c>, <c>territories[].region</c></param>
/// <param name="Records">records the path appeared in</param>
/// <param name="Target">where it is written: the file and JSON pointer of the <c>properties</c> object</param>
/// <param name="Shared">the target is a shared definition: every schema that refers to it gets the property</param>
public sealed record ProposedAddition(string Path, string Name, ProposedSchema Schema, long Records, string Target, bool Shared);

/// <summary>A declared property whose values in the samples have another type: reported, never edited.</summary>
/// <param name="Declared">the declared type, e.g. <c>integer</c> or <c>string (uuid)</c></param>
/// <param name="Seen">what was seen instead, with a count and an example</param>
/// <param name="Location">file and line of the declaration</param>
public sealed record TypeConflict(string Path, string Declared, string Seen, string Location);

/// <summary>Text to insert into a schema file: new members at the end of one <c>properties</c> object.</summary>
internal sealed record SchemaInsertion(JsonTextFile File, int Offset, string Text);

/// <summary>The outcome of comparing the samples with the schema.</summary>
internal sealed record Comparison(
    IReadOnlyList<ProposedAddition> Additions,
    IReadOnlyList<TypeConflict> Conflicts,
    IReadOnlyList<NotProposed> NotProposed,
    IReadOnlyList<SchemaInsertion> Insertions);

/// <summary>
/// Walks the samples' observations along the current schema, as the flattener walks a record: into objects with
/// properties and the items of arrays, never into jsonb values (which keep everything and drift nothing). A property
/// the schema lacks becomes an addition in the <c>properties</c> object the generator reads it from — through
/// <c>$ref</c>s into the file that holds the definition. Two paths that reach one definition (an owner and a
/// changed_by that both refer to <c>owner</c>) give one insertion, typed from what both showed.
/// </summary>
internal sealed class SchemaComparer
{
    private readonly DeclaredResolver _resolver;
    private readonly List<Candidate> _candidates = [];
    private readonly List<TypeConflict> _conflicts = [];
    private readonly List<NotProposed> _notProposed = [];

    private SchemaComparer(SchemaSet schemas)
    {
        _resolver = new DeclaredResolver(schemas);
    }

    public static Comparison Compare(SchemaSet schemas, EntitySchema entity, Observed records)
    {
        var comparer = new SchemaComparer(schemas);
        comparer.Walk(records, new SchemaRef(entity.File.Root, entity.File, ""), "");
        return comparer.Finish(entity);
    }

    private sealed record Candidate(string Path, string Name, Observed Observed, long Containers, Declared Parent);

    private void Walk(Observed observed, SchemaRef schema, string path)
    {
        var declared = _resolver.Resolve(schema);
        switch (declared.Shape)
        {
            case DeclaredShape.FreeForm:
                return;
            case DeclaredShape.Scalar:
                CheckScalar(observed, declared, schema, path);
                return;
            case DeclaredShape.Object:
                CheckShape(observed, declared, schema, path, JsonKind.Object, "object");
                foreach (var (name, child) in observed.Properties)
                {
                    var childPath = path.Length == 0 ? name : path + "." + name;
                    if (declared.Properties.TryGetValue(name, out var property))
                    {
                        Walk(child, property, childPath);
                    }
                    else
                    {
                        _candidates.Add(new Candidate(childPath, name, child, observed.Count(JsonKind.Object), declared));
                    }
                }
                return;
            case DeclaredShape.Array:
                CheckShape(observed, declared, schema, path, JsonKind.Array, "array");
                if (observed.Items is { } items)
                {
                    Walk(items, declared.Items!, path + "[]");
                }
                return;
        }
    }

    private void CheckShape(Observed observed, Declared declared, SchemaRef written, string path, JsonKind expected, string name)
    {
        foreach (var kind in observed.Kinds.Where(k => k != expected))
        {
            Conflict(path, name, declared, written, $"{Name(kind)} {Times(observed.Count(kind))} (e.g. {observed.Example(kind)})");
        }
    }

    private void CheckScalar(Observed observed, Declared declared, SchemaRef written, string path)
    {
        var types = declared.Types.Count == 0 ? ["string"] : declared.Types;
        var described = string.Join(" or ", types) + (declared.Format is { } f ? $" ({f})" : "");
        foreach (var kind in observed.Kinds)
        {
            var accepted = kind switch
            {
                JsonKind.String => types.Contains("string"),
                JsonKind.Integer => types.Contains("integer") || types.Contains("number"),
                JsonKind.Number => types.Contains("number"),
                JsonKind.Boolean => types.Contains("boolean"),
                _ => false,
            };
            if (!accepted)
            {
                Conflict(path, described, declared, written, $"{Name(kind)} {Times(observed.Count(kind))} (e.g. {observed.Example(kind)})");
            }
        }
        var strings = observed.Count(JsonKind.String);
        if (strings == 0 || !types.Contains("string"))
        {
            return;
        }
        var (fitting, example, what) = declared.Format switch
        {
            "uuid" => (observed.Uuids, observed.FirstNonUuid, "uuids"),
            "date-time" => (observed.DateTimes, observed.FirstNonDateTime, "date-times"),
            "date" => (observed.Dates, observed.FirstNonDate, "dates"),
            _ => (strings, null, ""),
        };
        if (fitting < strings)
        {
            Conflict(path, described, declared, written, $"{Count(strings - fitting)} of {Count(strings)} strings are not {what} (e.g. {example})");
        }
    }

    /// <summary>Located where the property is written, and where its type comes from when a <c>$ref</c> took it elsewhere.</summary>
    private void Conflict(string path, string described, Declared declared, SchemaRef written, string seen)
    {
        var (line, _) = written.File.Position(written.Node.Start);
        var location = $"{written.File.DisplayPath}:{line}";
        if (declared.Schema.Node != written.Node)
        {
            location += " via " + (declared.Schema.File == written.File ? "#" + declared.Schema.Pointer : declared.Schema.Where);
        }
        _conflicts.Add(new TypeConflict(path.Length == 0 ? "(record)" : path, described, seen, location));
    }

    private Comparison Finish(EntitySchema entity)
    {
        var additions = new List<ProposedAddition>();
        var insertions = new List<SchemaInsertion>();
        var groups = _candidates
            .GroupBy(c => c.Parent.PropertiesObject!)
            .Select(g => (Anchor: g.Key, Members: g.GroupBy(c => c.Name, StringComparer.Ordinal).ToList()));
        foreach (var (anchor, members) in groups)
        {
            var inserted = new List<(string Name, ProposedSchema Schema)>();
            foreach (var member in members)
            {
                var paths = member.ToList();
                var merged = paths[0].Observed.Copy();
                foreach (var other in paths.Skip(1))
                {
                    merged.MergeFrom(other.Observed);
                }
                var schema = ProposedSchema.Infer(merged, paths.Sum(p => p.Containers), string.Join(", ", paths.Select(p => p.Path)), _notProposed);
                if (schema is null)
                {
                    continue;
                }
                inserted.Add((member.Key, schema));
                var shared = anchor.File != entity.File || anchor.Pointer.StartsWith("/$defs/", StringComparison.Ordinal) || anchor.Pointer.StartsWith("/definitions/", StringComparison.Ordinal);
                additions.AddRange(paths.Select(p => new ProposedAddition(p.Path, p.Name, schema, p.Observed.Records, anchor.Where, shared)));
            }
            if (inserted.Count > 0)
            {
                insertions.Add(Insertion(anchor, inserted));
            }
        }
        additions.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new Comparison(additions, _conflicts, _notProposed, insertions);
    }

    /// <summary>The new members after the last one of the <c>properties</c> object, written as that member is.</summary>
    private static SchemaInsertion Insertion(SchemaRef anchor, List<(string Name, ProposedSchema Schema)> members)
    {
        var file = anchor.File;
        var last = anchor.Node.Members[^1];
        var text = new System.Text.StringBuilder();
        if (file.StartsLine(last.NameStart))
        {
            var indent = file.IndentAt(last.NameStart);
            var unit = file.IndentUnit();
            foreach (var (name, schema) in members)
            {
                text.Append(',').Append(file.NewLine).Append(indent).Append(ProposedSchema.Quote(name)).Append(": ").Append(schema.ToJson(indent, unit, file.NewLine));
            }
        }
        else
        {
            // The properties are written on one line: so are the new ones.
            foreach (var (name, schema) in members)
            {
                text.Append(", ").Append(ProposedSchema.Quote(name)).Append(": ").Append(schema.ToCompactJson());
            }
        }
        return new SchemaInsertion(file, last.Value.End, text.ToString());
    }

    private static string Name(JsonKind kind) => kind.ToString().ToLowerInvariant();

    private static string Times(long count) => count == 1 ? "once" : Count(count) + " times";

    private static string Count(long count) => count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
