using System.CommandLine;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.SchemaTools;
using SuccessApp.SchemaTools.Json;

namespace SuccessApp.Worker;

/// <summary><c>successapp schema diff</c>: propose the schema additions that sample records call for.</summary>
public static class SchemaCommand
{
    public const int NothingToAdd = 0;
    public const int AdditionsProposed = 1;
    public const int Failed = 2;

    public static Command Create()
    {
        var source = new Option<string>("--source", "-s")
        {
            Description = "Sample records: a file (NDJSON, a JSON array, or saved API pages {\"data\": [...]}) or the API's http(s):// URL "
                + $"(the entity's endpoint comes from x-successapp.endpoint in its schema; the token from env {ApiClientOptions.TokenVariable}).",
            Required = true,
        };
        var entity = new Option<string?>("--entity", "-e")
        {
            Description = "The entity (its table, e.g. deals). Needed unless the file's name starts with it (deals.ndjson) or the URL is its endpoint.",
        };
        var schemas = new Option<string?>("--schemas")
        {
            Description = "The schemas folder. Default: the schemas/ folder of the repository, found by walking up from the current directory.",
        };
        var limit = new Option<int>("--limit", "-n")
        {
            Description = "Read at most this many records (inference is for review: a sample is enough).",
            DefaultValueFactory = _ => 10_000,
        };
        var write = new Option<bool>("--write")
        {
            Description = "Apply the proposal to the schema file(s) in place; then rebuild so the generator makes the new columns.",
        };
        var diff = new Command("diff",
            "Infer the schema of sample records and show the properties the entity's schema lacks, as a unified diff of the schema file "
            + "(type conflicts are reported, never edited). Exit code: 0 nothing to add, 1 additions proposed (written with --write), 2 error.")
        {
            source, entity, schemas, limit, write,
        };
        diff.SetAction(async (parse, cancellationToken) =>
        {
            var request = new SchemaDiffRequest
            {
                Source = parse.GetValue(source)!,
                Entity = parse.GetValue(entity),
                SchemasDirectory = parse.GetValue(schemas),
                Limit = parse.GetValue(limit),
                Write = parse.GetValue(write),
                ApiToken = Environment.GetEnvironmentVariable(ApiClientOptions.TokenVariable),
                AllowInsecureHttp = Environment.GetEnvironmentVariable(ApiClientOptions.AllowHttpVariable) is "1" or "true" or "yes",
            };
            return await RunAsync(request, Console.Out, Console.Error, cancellationToken);
        });
        return new Command("schema", "Tools for the schema files in schemas/.") { diff };
    }

    public static async Task<int> RunAsync(SchemaDiffRequest request, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            var result = await SchemaDiff.RunAsync(request, cancellationToken);
            SchemaDiffReport.Write(output, result);
            return result.ExitCode == 0 ? NothingToAdd : AdditionsProposed;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("error: cancelled; no schema file was written");
            return Failed;
        }
        catch (Exception e) when (e is SchemaToolException or SchemaFileException or ApiSourceException or ApiSettingsException or IOException or UnauthorizedAccessException)
        {
            errors.WriteLine("error: " + e.Message);
            return Failed;
        }
    }
}
