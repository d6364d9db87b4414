using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SuccessApp.Generator.Model;
using SuccessApp.Generator.Parsing;
using SuccessApp.Generator.Resolution;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>
/// The pipeline caches: an unrelated C# edit re-runs nothing, editing one schema re-emits only its entity, equal
/// input gives equal models, and the models hold plain data only (no symbols, syntax or JSON documents that would
/// keep compilations alive or defeat the cache).
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly string[] StepNames = [.. typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)];

    private static readonly IncrementalStepRunReason[] Reused = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];

    // ---------------------------------------------------------------- (a) unrelated C# edits

    [Theory]
    [InlineData("add a syntax tree")]
    [InlineData("replace a syntax tree")]
    public void Unrelated_csharp_edit_leaves_every_step_cached(string edit)
    {
        var compilation = GeneratorHarness.NewCompilation("namespace App; public sealed class Existing { public int Value => 1; }");
        var driver = GeneratorHarness.NewDriver(GeneratorHarness.ShippedSchemas(), trackSteps: true).RunGenerators(compilation);
        var first = Single(driver);
        foreach (var name in StepNames)
        {
            Assert.True(first.TrackedSteps.ContainsKey(name), $"step {name} was not tracked on the first run");
            Assert.NotEmpty(Outputs(first, name));
            Assert.All(Outputs(first, name), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        }

        var edited = edit == "add a syntax tree"
            ? compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public sealed class Added { }", ParseOptions))
            : compilation.ReplaceSyntaxTree(
                compilation.SyntaxTrees.Single(),
                CSharpSyntaxTree.ParseText("namespace App; public sealed class Existing { public int Value => 2; }", ParseOptions));
        driver = driver.RunGenerators(edited);
        var second = Single(driver);

        var problems = new List<string>();
        foreach (var name in StepNames)
        {
            if (!second.TrackedSteps.ContainsKey(name))
            {
                problems.Add($"step {name} was not tracked on the second run");
                continue;
            }
            problems.AddRange(Outputs(second, name).Where(o => !Reused.Contains(o.Reason)).Select(o => $"{name}: {o.Reason} {Describe(o.Value)}"));
        }
        Assert.NotEmpty(second.TrackedOutputSteps);
        foreach (var (name, steps) in second.TrackedOutputSteps)
        {
            var outputs = steps.SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            problems.AddRange(outputs.Where(o => !Reused.Contains(o.Reason)).Select(o => $"output {name}: {o.Reason}"));
        }
        Assert.True(problems.Count == 0, $"After \"{edit}\" these steps ran again:\n" + string.Join("\n", problems));
        Assert.Equal(Sources(first), Sources(second));
    }

    // ---------------------------------------------------------------- (b) one schema edited

    [Fact]
    public void Editing_one_schema_re_emits_only_that_entity()
    {
        var schemas = GeneratorHarness.ShippedSchemas();
        var deals = schemas.Single(s => Path.GetFileName(s.Path) == "deals.schema.json");
        const string anchor = "\"currency\": { \"type\": [\"string\", \"null\"] },";
        Assert.Contains(anchor, deals.Text, StringComparison.Ordinal);
        var edited = deals.With(deals.Text.Replace(anchor, anchor + "\n    \"region\": { \"type\": [\"string\", \"null\"] },", StringComparison.Ordinal));

        var compilation = GeneratorHarness.NewCompilation();
        var driver = GeneratorHarness.NewDriver(schemas, trackSteps: true).RunGenerators(compilation);
        var first = Single(driver);
        driver = driver.ReplaceAdditionalText(deals, edited).RunGenerators(compilation);
        var second = Single(driver);

        // Parsing: only the edited file.
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor<SchemaFile>(second, TrackingNames.ParsedSchemas, f => f.FileName == "deals.schema.json"));
        Assert.Contains(ReasonFor<SchemaFile>(second, TrackingNames.ParsedSchemas, f => f.FileName == "accounts.schema.json"), Reused);
        Assert.Contains(ReasonFor<SchemaFile>(second, TrackingNames.ParsedSchemas, f => f.FileName == "common.schema.json"), Reused);

        // Every entity is resolved again (it may refer to the edited file), but only the edited one comes out different.
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor<EntityResult>(second, TrackingNames.Entities, r => r.Model?.Name == "deals"));
        Assert.Contains(ReasonFor<EntityResult>(second, TrackingNames.Entities, r => r.Model?.Name == "accounts"), Reused);
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor<EntityModel>(second, TrackingNames.EntityModels, m => m.Name == "deals"));
        Assert.Contains(ReasonFor<EntityModel>(second, TrackingNames.EntityModels, m => m.Name == "accounts"), Reused);

        // The source output fed by the accounts model was not run again; the one fed by deals was.
        Assert.Contains(SourceOutputReasonFor(second, m => m.Name == "accounts"), Reused);
        Assert.Equal(IncrementalStepRunReason.Modified, SourceOutputReasonFor(second, m => m.Name == "deals"));

        var before = Sources(first);
        var after = Sources(second);
        Assert.Equal(before["Accounts.g.cs"], after["Accounts.g.cs"]);
        Assert.NotEqual(before["Deals.g.cs"], after["Deals.g.cs"]);
        Assert.Contains("\"region\"", after["Deals.g.cs"], StringComparison.Ordinal);
        Assert.Equal(before["SchemaRegistry.g.cs"], after["SchemaRegistry.g.cs"]);
    }

    [Fact]
    public void Editing_one_schema_does_not_rebuild_the_registry()
    {
        var schemas = GeneratorHarness.ShippedSchemas();
        var deals = schemas.Single(s => Path.GetFileName(s.Path) == "deals.schema.json");
        var edited = deals.With(deals.Text.Replace("\"probability\": { \"type\": [\"integer\", \"null\"] }", "\"probability\": { \"type\": [\"number\", \"null\"] }", StringComparison.Ordinal));
        Assert.NotEqual(deals.Text, edited.Text);

        var compilation = GeneratorHarness.NewCompilation();
        var driver = GeneratorHarness.NewDriver(schemas, trackSteps: true).RunGenerators(compilation);
        driver = driver.ReplaceAdditionalText(deals, edited).RunGenerators(compilation);
        var second = Single(driver);

        // The registry lists names and types only: a column change of one entity leaves it as it was.
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor<EntityModel>(second, TrackingNames.EntityModels, m => m.Name == "deals"));
        Assert.All(Outputs(second, TrackingNames.RegistryEntries), o => Assert.Contains(o.Reason, Reused));
    }

    // ---------------------------------------------------------------- (c) whitespace-only edits

    [Fact]
    public void Whitespace_between_properties_changes_nothing_beyond_the_parse_step()
    {
        var schemas = GeneratorHarness.ShippedSchemas();
        var deals = schemas.Single(s => Path.GetFileName(s.Path) == "deals.schema.json");
        var anchor = "\"properties\": {\n";
        Assert.Contains(anchor, deals.Text.Replace("\r\n", "\n"), StringComparison.Ordinal);
        var edited = deals.With(deals.Text.Replace("\r\n", "\n").Replace(anchor, "\"properties\":   {\n\n\t\n", StringComparison.Ordinal));

        AssertWhitespaceEditReusesModels(schemas, deals, edited);
    }

    [Fact]
    public void Reindenting_a_whole_schema_changes_nothing_beyond_the_parse_step()
    {
        var schemas = GeneratorHarness.ShippedSchemas();
        var deals = schemas.Single(s => Path.GetFileName(s.Path) == "deals.schema.json");
        // Same JSON, indented with four spaces instead of two (what an editor's "format document" might do).
        var edited = deals.With(string.Join("\n", deals.Text.Replace("\r\n", "\n").Split('\n').Select(line =>
        {
            var indent = line.Length - line.TrimStart(' ').Length;
            return new string(' ', indent * 2) + line.TrimStart(' ');
        })));
        Assert.True(JsonElementEquals(deals.Text, edited.Text), "test bug: the edit must keep the JSON equal");

        AssertWhitespaceEditReusesModels(schemas, deals, edited);
    }

    private static void AssertWhitespaceEditReusesModels(IReadOnlyList<SchemaText> schemas, SchemaText original, SchemaText edited)
    {
        Assert.NotEqual(original.Text, edited.Text);
        var compilation = GeneratorHarness.NewCompilation();
        var driver = GeneratorHarness.NewDriver(schemas, trackSteps: true).RunGenerators(compilation);
        var first = Single(driver);
        driver = driver.ReplaceAdditionalText(original, edited).RunGenerators(compilation);
        var second = Single(driver);

        // Positions moved, so the parsed file differs (it keeps line and column for diagnostics)...
        Assert.Equal(IncrementalStepRunReason.Modified, ReasonFor<SchemaFile>(second, TrackingNames.ParsedSchemas, f => f.FileName == Path.GetFileName(original.Path)));
        // ...but nothing after it does.
        var problems = new List<string>();
        foreach (var name in new[] { TrackingNames.Entities, TrackingNames.EntityModels, TrackingNames.RegistryEntries })
        {
            problems.AddRange(Outputs(second, name).Where(o => !Reused.Contains(o.Reason)).Select(o => $"{name}: {o.Reason} {Describe(o.Value)}"));
        }
        var changed = ChangedModelMembers(first, second);
        Assert.True(problems.Count == 0, "A whitespace-only edit changed the models:\n" + string.Join("\n", problems) + (changed.Length > 0 ? "\nchanged: " + changed : ""));
        Assert.Equal(Sources(first), Sources(second));
    }

    // ---------------------------------------------------------------- (d) equal input, equal models

    public static TheoryData<string> AllSchemaTexts()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepositoryPaths.Schemas, "*.schema.json").Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.TestProject, "TestSchemas"), "*.schema.json")).Order(StringComparer.Ordinal))
        {
            data.Add(path);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllSchemaTexts))]
    public void Parsing_the_same_text_twice_gives_equal_models(string path)
    {
        var text = File.ReadAllText(path);
        var a = SchemaFileParser.Parse(path, text);
        var b = SchemaFileParser.Parse(path, new string(text.AsSpan()));

        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.True(a.Equals(b) && b.Equals(a));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Theory]
    [MemberData(nameof(AllSchemaTexts))]
    public void Resolving_the_same_files_twice_gives_equal_results(string path)
    {
        var a = BuildAll(path);
        var b = BuildAll(path);
        if (a is null)
        {
            Assert.Null(b);
            return;
        }

        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b!.GetHashCode());
        Assert.NotNull(a.Model);
        Assert.Equal(a.Model, b.Model);
        Assert.Equal(a.Model!.GetHashCode(), b.Model!.GetHashCode());
    }

    [Fact]
    public void Bad_schemas_parse_and_resolve_to_equal_diagnostics_twice()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "bad", "primaryKey": ["nope"] },
              "properties": { "id": { "type": "strnig" }, "tags": { "type": "array" }, "o": { "$ref": "#/$defs/none" } }
            }
            """;
        var a = SchemaFileParser.Parse("/repo/schemas/bad.schema.json", text);
        var b = SchemaFileParser.Parse("/repo/schemas/bad.schema.json", text);
        Assert.NotEmpty(a.Diagnostics);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        var ra = EntityBuilder.Build(a, [a], "N");
        var rb = EntityBuilder.Build(b, [b], "N");
        Assert.Null(ra.Model);
        Assert.NotEmpty(ra.Diagnostics);
        Assert.Equal(ra, rb);
        Assert.Equal(ra.GetHashCode(), rb.GetHashCode());
    }

    [Fact]
    public void Different_text_gives_different_models()
    {
        // The equality above is structural, not trivially true.
        const string text = """{ "type": "object", "x-successapp": { "table": "t", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" } } }""";
        var a = SchemaFileParser.Parse("/repo/schemas/t.schema.json", text);
        var b = SchemaFileParser.Parse("/repo/schemas/t.schema.json", text.Replace("\"string\"", "\"integer\"", StringComparison.Ordinal));
        Assert.NotEqual(a, b);
        Assert.NotEqual(EntityBuilder.Build(a, [a], "N"), EntityBuilder.Build(b, [b], "N"));
        Assert.NotEqual(EntityBuilder.Build(a, [a], "N"), EntityBuilder.Build(a, [a], "Other.Namespace"));
    }

    // ---------------------------------------------------------------- (e) no Roslyn objects in the models

    [Fact]
    public void Models_and_step_outputs_hold_no_symbols_syntax_locations_or_json_documents()
    {
        var schemas = GeneratorHarness.ShippedSchemas()
            .Concat(Directory.GetFiles(Path.Combine(RepositoryPaths.TestProject, "TestSchemas"), "*.schema.json").Select(SchemaText.FromFile))
            .Append(new SchemaText("/repo/schemas/bad.schema.json", """{ "type": "object", "x-successapp": { "table": "bad" }, "properties": { "id": { "type": "strnig" }, "r": { "$ref": "#/nowhere" } } }"""))
            .ToList();

        var roots = new List<(string Name, object? Value)>();
        var files = schemas.Select(s => SchemaFileParser.Parse(s.Path, s.Text)).ToImmutableArray();
        foreach (var file in files)
        {
            roots.Add(($"SchemaFile {file.FileName}", file));
            if (file.IsEntity)
            {
                var result = EntityBuilder.Build(file, files, "N");
                roots.Add(($"EntityResult {file.FileName}", result));
                roots.Add(($"EntityModel {file.FileName}", result.Model));
            }
        }

        var compilation = GeneratorHarness.NewCompilation("namespace App; public sealed class C { }");
        var driver = GeneratorHarness.NewDriver(schemas, trackSteps: true).RunGenerators(compilation);
        var deals = schemas.First(s => Path.GetFileName(s.Path) == "deals.schema.json");
        driver = driver.ReplaceAdditionalText(deals, deals.With(deals.Text + "\n")).RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class D { }", ParseOptions)));
        var run = Single(driver);
        foreach (var name in StepNames)
        {
            Assert.True(run.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            var index = 0;
            foreach (var (value, _) in Outputs(run, name))
            {
                roots.Add(($"{name}[{index++}]", value));
            }
        }

        Assert.Contains(roots, r => r.Value is EntityModel);
        var found = roots.SelectMany(r => ForbiddenIn(r.Value, r.Name)).ToList();
        Assert.True(found.Count == 0, "The models hold objects that must stay out of an incremental pipeline:\n" + string.Join("\n", found));
    }

    [Fact]
    public void The_model_walk_finds_what_it_looks_for()
    {
        var compilation = GeneratorHarness.NewCompilation("public sealed class C { }");
        var symbol = compilation.GetTypeByMetadataName("C");
        var location = Location.Create("/x.schema.json", new Microsoft.CodeAnalysis.Text.TextSpan(0, 1), new Microsoft.CodeAnalysis.Text.LinePositionSpan(default, default));
        using var document = JsonDocument.Parse("{}");

        Assert.NotEmpty(ForbiddenIn((new EquatableArray<string>(new[] { "a" }), new object[] { location }), "tuple"));
        Assert.NotEmpty(ForbiddenIn(new List<object?> { 1, symbol }, "list"));
        Assert.NotEmpty(ForbiddenIn(new Dictionary<string, object> { ["k"] = document.RootElement }, "dictionary"));
        Assert.NotEmpty(ForbiddenIn(ImmutableArray.Create<object>(compilation.SyntaxTrees[0].GetRoot()), "immutable array"));
        Assert.Empty(ForbiddenIn((Location.None, "text", 1, ImmutableArray<int>.Empty, default(ImmutableArray<int>)), "harmless"));
    }

    /// <summary>Every object reachable from <paramref name="root"/> by fields (and by properties of the generator's own types).</summary>
    private static List<string> ForbiddenIn(object? root, string name)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(root, name, 0);
        return found;

        void Visit(object? value, string path, int depth)
        {
            if (value is null || depth > 64)
            {
                return;
            }
            if (Forbidden(value))
            {
                found.Add($"{path}: {value.GetType().FullName}");
                return;
            }
            var type = value.GetType();
            if (type.IsPrimitive || type.IsEnum || type.IsPointer || value is string or decimal or Type or MemberInfo or Delegate)
            {
                return;
            }
            if (!type.IsValueType && !visited.Add(value))
            {
                return;
            }
            if (value is Array array)
            {
                var i = 0;
                foreach (var item in array)
                {
                    Visit(item, $"{path}[{i++}]", depth + 1);
                }
                return;
            }
            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!field.FieldType.IsPointer && !field.FieldType.IsByRefLike)
                    {
                        Visit(field.GetValue(value), $"{path}.{field.Name}", depth + 1);
                    }
                }
            }
            if (type.Assembly == typeof(SchemaGenerator).Assembly)
            {
                foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public))
                {
                    if (property.GetIndexParameters().Length == 0 && property.GetMethod is not null)
                    {
                        Visit(property.GetValue(value), $"{path}.{property.Name}", depth + 1);
                    }
                }
            }
        }
    }

    private static bool Forbidden(object value) => value switch
    {
        ISymbol or Compilation or SemanticModel or SyntaxNode or SyntaxTree or SyntaxToken or SyntaxTrivia or IOperation => true,
        Location location => location.Kind != LocationKind.None,
        JsonDocument or JsonElement or System.Text.Json.Nodes.JsonNode => true,
        JsonValue or JsonMember => true, // the generator's own mutable parse tree: data, but not equatable
        _ => false,
    };

    // ---------------------------------------------------------------- helpers

    private static GeneratorRunResult Single(GeneratorDriver driver)
    {
        var result = Assert.Single(driver.GetRunResult().Results);
        Assert.Null(result.Exception);
        return result;
    }

    private static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step) =>
        result.TrackedSteps.TryGetValue(step, out var steps) ? steps.SelectMany(s => s.Outputs) : [];

    /// <summary>The reason of the one output of <paramref name="step"/> whose value matches.</summary>
    private static IncrementalStepRunReason ReasonFor<T>(GeneratorRunResult result, string step, Func<T, bool> match)
    {
        var outputs = Outputs(result, step).Where(o => o.Value is T value && match(value)).ToList();
        Assert.True(outputs.Count == 1, $"expected one matching output of {step}, found {outputs.Count}: " + string.Join(", ", Outputs(result, step).Select(o => Describe(o.Value))));
        return outputs[0].Reason;
    }

    /// <summary>The reason of the source-output step whose input is the <see cref="TrackingNames.EntityModels"/> output that matches.</summary>
    private static IncrementalStepRunReason SourceOutputReasonFor(GeneratorRunResult result, Func<EntityModel, bool> match)
    {
        var steps = result.TrackedOutputSteps.Values.SelectMany(s => s)
            .Where(s => s.Inputs.Any(i => i.Source.Name == TrackingNames.EntityModels && i.Source.Outputs[i.OutputIndex].Value is EntityModel model && match(model)))
            .ToList();
        var step = Assert.Single(steps);
        var reasons = step.Outputs.Select(o => o.Reason).Distinct().ToList();
        return Assert.Single(reasons);
    }

    private static Dictionary<string, string> Sources(GeneratorRunResult result) =>
        result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    private static string Describe(object? value) => value switch
    {
        SchemaFile file => "SchemaFile " + file.FileName,
        EntityResult result => "EntityResult " + Path.GetFileName(result.SchemaPath),
        EntityModel model => "EntityModel " + model.Name,
        AdditionalText text => "AdditionalText " + Path.GetFileName(text.Path),
        null => "null",
        _ => value.GetType().Name,
    };

    /// <summary>Which top-level members of the entity models differ between two runs (for a readable failure).</summary>
    private static string ChangedModelMembers(GeneratorRunResult first, GeneratorRunResult second)
    {
        var before = Outputs(first, TrackingNames.EntityModels).Select(o => o.Value).OfType<EntityModel>().ToDictionary(m => m.Name);
        var changes = new List<string>();
        foreach (var after in Outputs(second, TrackingNames.EntityModels).Select(o => o.Value).OfType<EntityModel>())
        {
            if (before.TryGetValue(after.Name, out var old) && !Equals(old, after))
            {
                changes.AddRange(typeof(EntityModel).GetProperties()
                    .Where(p => !Equals(p.GetValue(old), p.GetValue(after)))
                    .Select(p => $"{after.Name}.{p.Name}"));
            }
        }
        return string.Join(", ", changes);
    }

    private static EntityResult? BuildAll(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var all = Directory.GetFiles(directory, "*.schema.json").Order(StringComparer.Ordinal)
            .Select(p => SchemaFileParser.Parse(p, File.ReadAllText(p)))
            .ToImmutableArray();
        var file = all.Single(f => f.Path == path);
        return file.IsEntity ? EntityBuilder.Build(file, all, "N") : null;
    }

    private static bool JsonElementEquals(string a, string b)
    {
        using var x = JsonDocument.Parse(a);
        using var y = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(x.RootElement, y.RootElement);
    }
}
