using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using SuccessApp.Generator.Emit;
using SuccessApp.Generator.Model;
using SuccessApp.Generator.Parsing;
using SuccessApp.Generator.Resolution;

namespace SuccessApp.Generator;

/// <summary>
/// Turns <c>schemas/**/*.schema.json</c> (AdditionalFiles) into typed rows, flatteners, comparers, COPY writers and
/// SQL. Pipeline: parse each file → equatable model → resolve each entity against all files → one source per entity
/// and one registry. An unrelated C# edit re-runs nothing; editing one schema re-emits only what depends on it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SchemaGenerator : IIncrementalGenerator
{
    private const string DefaultNamespace = "SuccessApp.Etl.Entities";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(".schema.json", StringComparison.OrdinalIgnoreCase))
            .WithTrackingName(TrackingNames.SchemaFiles);

        var parsed = files
            .Select(static (file, cancellationToken) => SchemaFileParser.Parse(file.Path, file.GetText(cancellationToken)?.ToString() ?? string.Empty))
            .WithTrackingName(TrackingNames.ParsedSchemas);

        var all = parsed.Collect().WithTrackingName(TrackingNames.AllSchemas);

        var ns = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.SuccessAppEntitiesNamespace", out var value) && !string.IsNullOrWhiteSpace(value)
                ? value.Trim()
                : DefaultNamespace)
            .WithTrackingName(TrackingNames.Options);

        context.RegisterSourceOutput(parsed, static (spc, file) =>
        {
            foreach (var diagnostic in file.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        var entities = parsed
            .Where(static file => file.IsEntity)
            .Combine(all)
            .Combine(ns)
            .Select(static (input, _) => EntityBuilder.Build(input.Left.Left, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.Entities);

        // Only the model goes on: an entity whose own model is unchanged is not emitted again.
        var models = entities
            .Select(static (result, _) => result.Model)
            .WithTrackingName(TrackingNames.EntityModels);

        context.RegisterSourceOutput(entities, static (spc, result) =>
        {
            foreach (var diagnostic in result.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        context.RegisterSourceOutput(models, static (spc, model) =>
        {
            if (model is not null)
            {
                spc.AddSource(model.TypePrefix + ".g.cs", SourceText.From(EntityEmitter.Emit(model), Encoding.UTF8));
            }
        });

        var registry = models
            .Select(static (model, _) => model is null ? null : new RegistryEntry(model.Name, model.TypePrefix, model.Namespace))
            .Collect()
            .Combine(ns)
            .WithTrackingName(TrackingNames.RegistryEntries);

        context.RegisterSourceOutput(registry, static (spc, input) =>
        {
            var entries = input.Left.Where(static e => e is not null).Select(static e => e!).ToImmutableArray();
            foreach (var duplicate in entries.GroupBy(static e => e.Name).Where(static g => g.Count() > 1))
            {
                var names = duplicate.ToList();
                spc.ReportDiagnostic(Diagnostic.Create(Diagnostics.DiagnosticDescriptors.DuplicateTable, Location.None, duplicate.Key, names[0].TypePrefix, names[1].TypePrefix));
            }
            var unique = entries.GroupBy(static e => e.Name).Select(static g => g.First()).ToImmutableArray();
            spc.AddSource("SchemaRegistry.g.cs", SourceText.From(RegistryEmitter.Emit(unique, input.Right), Encoding.UTF8));
        });
    }
}
