using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using JsonValue = System.Text.Json.Nodes.JsonValue;
using Newtonsoft.Json.Serialization;
using NJsonSchema;
using NJsonSchema.References;
using SuccessApp.Generator.Emit;
using SuccessApp.Generator.Model;
using SuccessApp.Generator.Parsing;
using SuccessApp.Generator.Resolution;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>
/// The generator reads JSON Schema with its own small reader. This checks that reading against NJsonSchema's, for
/// every file in <c>schemas/</c>: both readings are reduced to the same list of leaves, one per value that lands in
/// a column — (absolute JSON path, JSON type, format, nullable, name of the definition a <c>$ref</c> pointed at) — and
/// the two lists must be equal.
/// <para>
/// Paths: <c>$</c> is the record, <c>.name</c> a property, <c>[]</c> an array's elements. Nullable means what
/// <see cref="ColumnModel.SchemaNullable"/> means: the value's type admits <c>null</c>, or the property is not in its
/// object's <c>required</c> (so it may be missing). Array elements have no <c>required</c>: only a <c>null</c> type
/// makes them nullable.
/// </para>
/// <para>
/// NJsonSchema 11.6.2 does not know the 2019-09+ <c>$defs</c> keyword (RicoSuter/NJsonSchema#1536; support is an open
/// PR, #1913), so NJsonSchema reads a copy of <c>schemas/</c> in which <c>$defs</c> is renamed to its draft-07 synonym
/// <c>definitions</c> — keyword and <c>$ref</c> pointers only, never property names. Nothing else changes.
/// </para>
/// </summary>
public sealed class NJsonSchemaCrossCheckTests : IClassFixture<NJsonSchemaCrossCheckTests.DraftSevenCopy>
{
    private const string Namespace = "SuccessApp.CrossCheck";

    private static readonly string[] KnownFormats = ["uuid", "date-time", "date"];

    private readonly DraftSevenCopy _copy;

    public NJsonSchemaCrossCheckTests(DraftSevenCopy copy)
    {
        _copy = copy;
    }

    public static TheoryData<string> SchemaFiles
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in AllSchemaPaths())
            {
                data.Add(Path.GetRelativePath(RepositoryPaths.Schemas, file));
            }
            return data;
        }
    }

    public static TheoryData<string> EntityFiles
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in AllSchemaPaths().Where(p => JsonNode.Parse(File.ReadAllText(p)) is JsonObject root && root.ContainsKey("x-successapp")))
            {
                data.Add(Path.GetRelativePath(RepositoryPaths.Schemas, file));
            }
            return data;
        }
    }

    [Fact]
    public void The_shipped_schemas_include_entities_and_a_shared_file()
    {
        // Guards the theories below against passing vacuously.
        Assert.True(EntityFiles.Count<object[]>() >= 2, "expected at least two entity schemas in schemas/");
        Assert.True(SchemaFiles.Count<object[]>() > EntityFiles.Count<object[]>(), "expected a schema file that is not an entity");
    }

    /// <summary>The generator's entity model — every value column of every table — against NJsonSchema's reading.</summary>
    [Theory]
    [MemberData(nameof(EntityFiles))]
    public async Task Entity_columns_match_NJsonSchema(string file)
    {
        var reference = await _copy.LoadAsync(file);
        Assert.True(reference.Schema.ExtensionData?.ContainsKey("x-successapp") == true, "NJsonSchema does not see the x-successapp block");
        var expected = new NJsonSchemaWalker(reference.Resolver).EntityLeaves(reference.Schema);

        var (schema, all) = ParseAll(file);
        Assert.True(schema.IsEntity, "the generator does not see the x-successapp block");
        var result = EntityBuilder.Build(schema, all, Namespace);
        Assert.True(result.Diagnostics.Count == 0, "the shipped schema has errors: " + string.Join("; ", result.Diagnostics));
        var actual = ModelLeaves(result.Model!);

        AssertSameLeaves(file, expected, actual);
    }

    /// <summary>
    /// The parsed, reference-resolved reading (<see cref="SchemaFileParser"/> then <see cref="SchemaResolver"/>, before
    /// any flattening rule) of the root and of every definition of every file, shared files included.
    /// </summary>
    [Theory]
    [MemberData(nameof(SchemaFiles))]
    public async Task Parsed_schema_and_definitions_match_NJsonSchema(string file)
    {
        var reference = await _copy.LoadAsync(file);
        var (schema, all) = ParseAll(file);
        Assert.NotNull(schema.Root);

        // NJsonSchema appends every schema it pulls in from other files to the loading document's definitions: only
        // the definitions written in this file are this file's.
        var ownDefinitions = _copy.DefinitionNames(file);
        Assert.Equal(
            ownDefinitions.Order(StringComparer.Ordinal),
            schema.Root!.Definitions.Select(d => d.Name).Order(StringComparer.Ordinal));

        var walker = new NJsonSchemaWalker(reference.Resolver);
        var expected = new List<Leaf>();
        walker.RawLeaves(reference.Schema, "$", optional: false, expected);
        foreach (var name in ownDefinitions)
        {
            Assert.True(reference.Schema.Definitions.TryGetValue(name, out var definition), $"NJsonSchema has no definition '{name}'");
            walker.RawLeaves(definition!, "#" + name, optional: false, expected);
        }

        var diagnostics = new List<DiagnosticInfo>();
        var resolver = new SchemaResolver(all, diagnostics);
        var actual = new List<Leaf>();
        RawLeaves(resolver, resolver.Resolve(schema.Root, schema, "#"), "$", optional: false, actual, new Stack<string>());
        foreach (var definition in schema.Root.Definitions)
        {
            RawLeaves(resolver, resolver.Resolve(definition.Schema, schema, definition.Name), "#" + definition.Name, optional: false, actual, new Stack<string>());
        }
        Assert.Empty(diagnostics);

        AssertSameLeaves(file, expected, actual);
    }

    [Fact]
    public void The_comparison_reports_each_kind_of_difference()
    {
        // The assertion itself must be able to fail, and say why.
        List<Leaf> expected = [new("$.a", "string", "uuid", false, "uuid"), new("$.b", "integer", null, true, null)];
        List<Leaf> actual = [new("$.a", "string", null, false, "uuid"), new("$.c", "integer", null, true, null)];

        var failure = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertSameLeaves("x.schema.json", expected, actual));
        Assert.Contains("$.a", failure.Message, StringComparison.Ordinal);
        Assert.Contains("only NJsonSchema has $.b", failure.Message, StringComparison.Ordinal);
        Assert.Contains("only the generator has $.c", failure.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- the generator's side

    private static IEnumerable<string> AllSchemaPaths() =>
        Directory.GetFiles(RepositoryPaths.Schemas, "*.schema.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static (SchemaFile File, ImmutableArray<SchemaFile> All) ParseAll(string relative)
    {
        var all = AllSchemaPaths().Select(p => SchemaFileParser.Parse(p, File.ReadAllText(p))).ToImmutableArray();
        foreach (var parsed in all)
        {
            Assert.True(parsed.Diagnostics.Count == 0, $"{parsed.FileName} has parse errors: " + string.Join("; ", parsed.Diagnostics));
        }
        var path = Path.Combine(RepositoryPaths.Schemas, relative);
        return (all.Single(f => f.Path == path), all);
    }

    /// <summary>Every value column: its table's absolute path (parents' paths, each array adding <c>[]</c>) plus its own.</summary>
    private static List<Leaf> ModelLeaves(EntityModel model)
    {
        var leaves = new List<Leaf>();
        foreach (var table in model.Tables)
        {
            var prefix = TablePath(model, table);
            foreach (var column in table.Columns.Where(c => c.Kind == ColumnKind.Value))
            {
                var (type, format) = column.Type switch
                {
                    ValueKind.Text => ("string", null),
                    ValueKind.Uuid => ("string", "uuid"),
                    ValueKind.TimestampTz => ("string", "date-time"),
                    ValueKind.Date => ("string", "date"),
                    ValueKind.Int64 => ("integer", null),
                    ValueKind.Numeric => ("number", null),
                    ValueKind.Boolean => ("boolean", null),
                    ValueKind.Jsonb => ("json", (string?)null),
                    _ => ("unexpected " + column.Type, null),
                };
                leaves.Add(new Leaf(prefix + column.JsonPath, type, format, column.SchemaNullable, DefinitionName(column.RefTarget)));
            }
        }
        return leaves;
    }

    private static string TablePath(EntityModel model, TableModel table) =>
        table.ParentIndex < 0 ? table.JsonPath : TablePath(model, model.Tables[table.ParentIndex]) + table.JsonPath + "[]";

    /// <summary>The parsed schema after following <c>$ref</c>s: objects and arrays are walked, everything else is a leaf.</summary>
    private static void RawLeaves(SchemaResolver resolver, ResolvedSchema schema, string path, bool optional, List<Leaf> leaves, Stack<string> expanding)
    {
        var node = schema.Node;
        var types = node.Types.Where(t => t != "null").Distinct().Order(StringComparer.Ordinal).ToList();
        var identity = schema.File.Path + "@" + node.Pos.Offset;
        if (node.Properties.Count > 0 && (types.Count == 0 || types.SequenceEqual(["object"])))
        {
            if (expanding.Contains(identity))
            {
                leaves.Add(new Leaf(path, "recursive", null, false, null));
                return;
            }
            expanding.Push(identity);
            foreach (var property in node.Properties)
            {
                var resolved = resolver.Resolve(property.Schema, schema.File, property.Name);
                RawLeaves(resolver, resolved, path + Names.PathSegment(property.Name), !node.Required.Contains(property.Name), leaves, expanding);
            }
            expanding.Pop();
            return;
        }
        if (node.Items is not null && (types.Count == 0 || types.SequenceEqual(["array"])))
        {
            RawLeaves(resolver, resolver.Resolve(node.Items, schema.File, "items"), path + "[]", optional: false, leaves, expanding);
            return;
        }
        leaves.Add(new Leaf(path, types.Count == 0 ? "any" : string.Join("|", types), node.Format, schema.Nullable || optional, DefinitionName(schema.RefTarget)));
    }

    /// <summary><c>common.schema.json#/$defs/uuid</c> → <c>uuid</c>; a reference to a whole file → its file name.</summary>
    private static string? DefinitionName(string? reference)
    {
        if (reference is null)
        {
            return null;
        }
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var pointer = hash < 0 ? string.Empty : reference[(hash + 1)..];
        if (pointer.Trim('/').Length == 0)
        {
            return Path.GetFileName(hash < 0 ? reference : reference[..hash]);
        }
        var last = pointer[(pointer.LastIndexOf('/') + 1)..];
        return Uri.UnescapeDataString(last).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- comparison

    internal sealed record Leaf(string Path, string Type, string? Format, bool Nullable, string? Ref)
    {
        public override string ToString() =>
            $"{Type}{(Format is null ? "" : " (" + Format + ")")}{(Nullable ? ", nullable" : ", not nullable")}{(Ref is null ? "" : ", $ref " + Ref)}";
    }

    private static void AssertSameLeaves(string file, List<Leaf> njsonschema, List<Leaf> generator)
    {
        var problems = new List<string>();
        foreach (var (side, leaves) in new[] { ("NJsonSchema", njsonschema), ("the generator", generator) })
        {
            Assert.True(leaves.Count > 0, $"{file}: {side} found nothing to compare");
            foreach (var duplicate in leaves.GroupBy(l => l.Path).Where(g => g.Count() > 1))
            {
                problems.Add($"{side} has {duplicate.Key} {duplicate.Count()} times");
            }
        }
        var expected = njsonschema.GroupBy(l => l.Path).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var actual = generator.GroupBy(l => l.Path).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var path in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            var inExpected = expected.TryGetValue(path, out var e);
            var inActual = actual.TryGetValue(path, out var a);
            if (!inActual)
            {
                problems.Add($"only NJsonSchema has {path}: {e}");
            }
            else if (!inExpected)
            {
                problems.Add($"only the generator has {path}: {a}");
            }
            else if (e != a)
            {
                problems.Add($"{path}: NJsonSchema reads {e}; the generator reads {a}");
            }
        }
        Assert.True(
            problems.Count == 0,
            $"{file}: the generator's reading differs from NJsonSchema's in {problems.Count} place(s):\n  " + string.Join("\n  ", problems));
    }

    // ---------------------------------------------------------------- NJsonSchema's side

    /// <summary>Walks NJsonSchema's schema objects, following its resolved references.</summary>
    private sealed class NJsonSchemaWalker(RecordingResolver resolver)
    {
        private readonly HashSet<JsonSchema> _expanding = new(ReferenceEqualityComparer.Instance);

        /// <summary>What the flattening rules make columns of: objects with properties become dotted columns, arrays child tables.</summary>
        public List<Leaf> EntityLeaves(JsonSchema root)
        {
            var leaves = new List<Leaf>();
            Object(root.ActualSchema, "$", leaves);
            return leaves;
        }

        private void Object(JsonSchema schema, string path, List<Leaf> leaves)
        {
            _expanding.Add(schema);
            foreach (var (name, property) in schema.ActualProperties)
            {
                Value(property, path + Names.PathSegment(name), !property.IsRequired, leaves);
            }
            _expanding.Remove(schema);
        }

        private void Value(JsonSchema declared, string path, bool optional, List<Leaf> leaves)
        {
            var actual = declared.ActualSchema;
            var nullable = optional || HasNull(declared) || HasNull(actual);
            var reference = declared.HasReference ? resolver.NameOf(declared.Reference!) : null;
            if (FlattenOff(declared) || FlattenOff(actual))
            {
                leaves.Add(new Leaf(path, "json", null, nullable, reference));
                return;
            }

            // A nullable union (anyOf/oneOf of X and null) is X, nullable.
            var branches = actual.AnyOf.Count > 0 ? actual.AnyOf : actual.OneOf;
            if (branches.Count > 0)
            {
                var nonNull = branches.Where(b => b.ActualSchema.Type != JsonObjectType.Null).ToList();
                nullable |= nonNull.Count < branches.Count;
                if (nonNull.Count != 1)
                {
                    leaves.Add(new Leaf(path, "json", null, nullable, reference));
                    return;
                }
                reference ??= nonNull[0].HasReference ? resolver.NameOf(nonNull[0].Reference!) : null;
                actual = nonNull[0].ActualSchema;
                nullable |= HasNull(actual);
            }

            var type = actual.Type & ~JsonObjectType.Null;
            if (type == JsonObjectType.Object || (type == JsonObjectType.None && actual.ActualProperties.Count > 0))
            {
                if (actual.ActualProperties.Count == 0)
                {
                    leaves.Add(new Leaf(path, "json", null, nullable, reference));
                }
                else if (_expanding.Contains(actual))
                {
                    leaves.Add(new Leaf(path, "recursive", null, nullable, reference));
                }
                else
                {
                    Object(actual, path, leaves);
                }
                return;
            }
            if (type == JsonObjectType.Array || (type == JsonObjectType.None && actual.Item is not null))
            {
                if (actual.Item is null)
                {
                    leaves.Add(new Leaf(path, "array without items", null, nullable, reference));
                    return;
                }
                Value(actual.Item, path + "[]", optional: false, leaves);
                return;
            }

            var name = type switch
            {
                JsonObjectType.String => "string",
                JsonObjectType.Integer => "integer",
                JsonObjectType.Number or (JsonObjectType.Integer | JsonObjectType.Number) => "number",
                JsonObjectType.Boolean => "boolean",
                JsonObjectType.None when actual.Format is not null || actual.Enumeration.Count > 0 => "string",
                _ => "json",
            };
            var format = name == "string" && KnownFormats.Contains(actual.Format) ? actual.Format : null;
            leaves.Add(new Leaf(path, name, format, nullable, reference));
        }

        /// <summary>The schema as written, after references: objects and arrays are walked, everything else is a leaf.</summary>
        public void RawLeaves(JsonSchema declared, string path, bool optional, List<Leaf> leaves)
        {
            var actual = declared.ActualSchema;
            var types = TypeNames(actual.Type & ~JsonObjectType.Null);
            if (actual.Properties.Count > 0 && (types.Count == 0 || types.SequenceEqual(["object"])))
            {
                if (!_expanding.Add(actual))
                {
                    leaves.Add(new Leaf(path, "recursive", null, false, null));
                    return;
                }
                foreach (var (name, property) in actual.Properties)
                {
                    RawLeaves(property, path + Names.PathSegment(name), !property.IsRequired, leaves);
                }
                _expanding.Remove(actual);
                return;
            }
            if (actual.Item is not null && (types.Count == 0 || types.SequenceEqual(["array"])))
            {
                RawLeaves(actual.Item, path + "[]", optional: false, leaves);
                return;
            }
            var nullable = optional || HasNull(declared) || HasNull(actual) || actual.Enumeration.Contains(null);
            var reference = declared.HasReference ? resolver.NameOf(declared.Reference!) : null;
            leaves.Add(new Leaf(path, types.Count == 0 ? "any" : string.Join("|", types), actual.Format, nullable, reference));
        }

        private static bool HasNull(JsonSchema schema) => schema.Type.HasFlag(JsonObjectType.Null);

        private static bool FlattenOff(JsonSchema schema) =>
            schema.ExtensionData?.TryGetValue("x-flatten", out var value) == true && value is false;

        private static List<string> TypeNames(JsonObjectType type) =>
            new[] { JsonObjectType.Array, JsonObjectType.Boolean, JsonObjectType.Integer, JsonObjectType.Number, JsonObjectType.Object, JsonObjectType.String }
                .Where(t => type.HasFlag(t))
                .Select(t => t.ToString().ToLowerInvariant())
                .Order(StringComparer.Ordinal)
                .ToList();
    }

    /// <summary>NJsonSchema's own reference resolution, noting the pointer each resolved schema was found at.</summary>
    internal sealed class RecordingResolver(JsonSchema root) : JsonReferenceResolver(new JsonSchemaAppender(root, new DefaultTypeNameGenerator()))
    {
        private readonly Dictionary<object, string> _pointers = new(ReferenceEqualityComparer.Instance);

        public override IJsonReference ResolveDocumentReference(object rootObject, string jsonPath, Type targetType, IContractResolver contractResolver)
        {
            var resolved = base.ResolveDocumentReference(rootObject, jsonPath, targetType, contractResolver);
            _pointers.TryAdd(resolved, jsonPath);
            return resolved;
        }

        /// <summary>The name of the definition NJsonSchema resolved a reference to (the last step of its pointer).</summary>
        public string NameOf(JsonSchema target)
        {
            if (_pointers.TryGetValue(target, out var pointer))
            {
                return DefinitionName(pointer)!;
            }
            if (target.DocumentPath is { } document)
            {
                return Path.GetFileName(document);
            }
            return "(reference not resolved through a pointer)";
        }
    }

    /// <summary>A copy of <c>schemas/</c> with <c>$defs</c> spelt <c>definitions</c>, which NJsonSchema 11 reads.</summary>
    public sealed class DraftSevenCopy : IDisposable
    {
        private readonly string _directory = Directory.CreateTempSubdirectory("successapp-njsonschema-").FullName;
        private readonly Dictionary<string, List<string>> _definitions = new(StringComparer.Ordinal);

        public DraftSevenCopy()
        {
            foreach (var file in AllSchemaPaths())
            {
                var relative = Path.GetRelativePath(RepositoryPaths.Schemas, file);
                var root = JsonNode.Parse(File.ReadAllText(file))!;
                var rewritten = Rewrite(root, nameMap: false)!;
                _definitions[relative] = rewritten is JsonObject o && o["definitions"] is JsonObject defs ? [.. defs.Select(d => d.Key)] : [];
                var target = Path.Combine(_directory, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, rewritten.ToJsonString(), Encoding.UTF8);
            }
        }

        public IReadOnlyList<string> DefinitionNames(string relative) => _definitions[relative];

        internal async Task<(JsonSchema Schema, RecordingResolver Resolver)> LoadAsync(string relative)
        {
            RecordingResolver? resolver = null;
            var schema = await JsonSchema.FromFileAsync(
                Path.Combine(_directory, relative),
                root => resolver = new RecordingResolver(root),
                CancellationToken.None);
            return (schema, resolver!);
        }

        public void Dispose() => Directory.Delete(_directory, recursive: true);

        /// <summary>Renames the keyword (not a property or definition called <c>$defs</c>) and the pointers that use it.</summary>
        private static JsonNode? Rewrite(JsonNode? node, bool nameMap)
        {
            switch (node)
            {
                case JsonObject obj:
                {
                    var copy = new JsonObject();
                    foreach (var (key, value) in obj)
                    {
                        if (!nameMap && key.StartsWith("x-", StringComparison.Ordinal))
                        {
                            copy[key] = value?.DeepClone();
                            continue;
                        }
                        var name = !nameMap && key == "$defs" ? "definitions" : key;
                        Assert.False(copy.ContainsKey(name), $"a schema with both $defs and definitions: cannot rename for NJsonSchema");
                        copy[name] = !nameMap && key == "$ref" && value is JsonValue text && text.TryGetValue<string>(out var pointer)
                            ? JsonValue.Create(RewritePointer(pointer))
                            : Rewrite(value, !nameMap && key is "properties" or "patternProperties" or "$defs" or "definitions" or "dependentSchemas");
                    }
                    return copy;
                }
                case JsonArray array:
                    return new JsonArray([.. array.Select(item => Rewrite(item, nameMap: false))]);
                default:
                    return node?.DeepClone();
            }
        }

        private static string RewritePointer(string reference)
        {
            var hash = reference.IndexOf('#', StringComparison.Ordinal);
            if (hash < 0)
            {
                return reference;
            }
            var segments = reference[(hash + 1)..].Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                var keywordPosition = i == 0 || segments[i - 1] is not ("properties" or "$defs" or "definitions");
                if (segments[i] == "$defs" && keywordPosition)
                {
                    segments[i] = "definitions";
                }
            }
            return reference[..(hash + 1)] + string.Join('/', segments);
        }
    }
}
