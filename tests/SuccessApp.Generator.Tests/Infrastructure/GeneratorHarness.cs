using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace SuccessApp.Generator.Tests.Infrastructure;

/// <summary>A schema file given to the generator as an AdditionalFile, from disk or from a test.</summary>
public sealed class SchemaText(string path, string text) : AdditionalText
{
    public override string Path { get; } = path;

    public string Text { get; } = text;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(Text, Encoding.UTF8);

    public static SchemaText FromFile(string path) => new(path, File.ReadAllText(path));

    public SchemaText With(string text) => new(Path, text);
}

/// <summary>Runs <see cref="SchemaGenerator"/> the way the compiler does, and compiles or loads what it makes.</summary>
public static class GeneratorHarness
{
    /// <summary>Generated code of test compilations lives here, apart from the shipped entities in SuccessApp.Etl.</summary>
    public const string TestNamespace = "SuccessApp.Tests.Generated";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator);
        var references = trusted.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(SuccessApp.Etl.Flattening.EntityBatch).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(System.IO.Hashing.XxHash3).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(Npgsql.NpgsqlConnection).Assembly.Location));
        return [.. references];
    });

    public static IReadOnlyList<SchemaText> ShippedSchemas() =>
        [.. Directory.GetFiles(RepositoryPaths.Schemas, "*.schema.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(SchemaText.FromFile)];

    public static CSharpCompilation NewCompilation(params string[] sources) => CSharpCompilation.Create(
        "SuccessApp.Generated.Test",
        sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Preview))),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver NewDriver(IEnumerable<SchemaText> schemas, bool trackSteps = true) =>
        CSharpGeneratorDriver.Create(
            [new SchemaGenerator().AsSourceGenerator()],
            schemas,
            new CSharpParseOptions(LanguageVersion.Preview),
            new NamespaceOptions(TestNamespace),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public sealed record Output(GeneratorDriverRunResult Result, Compilation Compilation, ImmutableArray<Diagnostic> Diagnostics)
    {
        public IReadOnlyDictionary<string, string> Files =>
            Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
    }

    public static Output Run(IEnumerable<SchemaText> schemas, params string[] sources)
    {
        var driver = NewDriver(schemas).RunGeneratorsAndUpdateCompilation(NewCompilation(sources), out var compilation, out var diagnostics);
        return new Output(driver.GetRunResult(), compilation, diagnostics);
    }

    /// <summary>Compiles the generated code and loads it into its own collectible context.</summary>
    public static Assembly CompileAndLoad(Output output)
    {
        using var stream = new MemoryStream();
        var emit = output.Compilation.Emit(stream);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(emit.Success && problems.Count == 0, "Generated code must compile without warnings:\n" + string.Join("\n", problems));
        stream.Position = 0;
        return new AssemblyLoadContext("generated-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(stream);
    }

    private sealed class NamespaceOptions(string ns) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(ns);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(string? ns) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(null);

            public override bool TryGetValue(string key, out string value)
            {
                value = ns ?? string.Empty;
                return ns is not null && key == "build_property.SuccessAppEntitiesNamespace";
            }
        }
    }
}
