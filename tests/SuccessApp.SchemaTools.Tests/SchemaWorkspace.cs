using System.Text.Json.Nodes;
using SuccessApp.Etl.Sources.Http;
using SuccessApp.Generator.Tests.Infrastructure;
using SuccessApp.Worker;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>
/// A throwaway repository folder: a copy of the shipped <c>schemas/</c> (so <c>--write</c> edits the copy) and the
/// sample files a test writes. The command runs with this folder as its working directory.
/// </summary>
internal sealed class SchemaWorkspace : IDisposable
{
    public SchemaWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "schemadiff-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Schemas);
        foreach (var file in Directory.GetFiles(RepositoryPaths.Schemas, "*.schema.json"))
        {
            File.Copy(file, Path.Combine(Schemas, Path.GetFileName(file)));
        }
    }

    public string Root { get; }

    public string Schemas => Path.Combine(Root, "schemas");

    public string SchemaText(string name) => File.ReadAllText(Path.Combine(Schemas, name));

    public JsonNode SchemaJson(string name) => JsonNode.Parse(SchemaText(name))!;

    /// <summary>Writes one record per line; each is a deal with an id, so only the given members are new.</summary>
    public string Deals(string fileName, params string[] members)
    {
        var lines = members.Select((m, i) => $"{{\"id\":\"{Id(i)}\",\"name\":\"Deal {i}\"{(m.Length == 0 ? "" : "," + m)}}}");
        return Write(fileName, string.Join("\n", lines) + "\n");
    }

    public string Write(string fileName, string text)
    {
        var path = Path.Combine(Root, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    public static string Id(int i) => $"ea6338ef-fe1c-4aa8-9e56-{i:x12}";

    public SchemaDiffRequest Request(string source, string? entity = null, bool write = false, int limit = 10_000) => new()
    {
        Source = source,
        Entity = entity,
        Write = write,
        Limit = limit,
        WorkingDirectory = Root,
    };

    public async Task<Run> RunAsync(SchemaDiffRequest request)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await SchemaCommand.RunAsync(request, output, errors, CancellationToken.None);
        return new Run(exit, output.ToString(), errors.ToString());
    }

    public Task<Run> RunAsync(string source, string? entity = null, bool write = false) => RunAsync(Request(source, entity, write));

    public Task<SchemaDiffResult> DiffAsync(string source, string? entity = null, bool write = false) =>
        SchemaDiff.RunAsync(Request(source, entity, write), CancellationToken.None);

    public static ApiClientOptions QuickApi(ApiClientOptions options) => new()
    {
        BaseUrl = options.BaseUrl,
        Token = options.Token,
        AllowInsecureHttp = options.AllowInsecureHttp,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}

internal sealed record Run(int ExitCode, string Output, string Errors);
