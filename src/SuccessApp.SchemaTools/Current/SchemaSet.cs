using System.Text.Json;
using SuccessApp.SchemaTools.Json;

namespace SuccessApp.SchemaTools.Current;

/// <summary>An entity's schema file: the one with an <c>x-successapp</c> block, named by its table.</summary>
public sealed class EntitySchema
{
    internal EntitySchema(string name, JsonTextFile file, JsonAt settings)
    {
        Name = name;
        File = file;
        Settings = settings;
    }

    /// <summary><c>x-successapp.table</c>, the name sync and the registry use (e.g. <c>deals</c>).</summary>
    public string Name { get; }

    public string DisplayPath => File.DisplayPath;

    /// <summary>File name within the schemas folder, as the HTTP settings name it in messages.</summary>
    public string FileName => Path.GetFileName(File.Path);

    internal JsonTextFile File { get; }

    internal JsonAt Settings { get; }

    /// <summary>The <c>x-successapp</c> block as compact JSON, as the generator hands it to the runtime.</summary>
    public string SettingsJson
    {
        get
        {
            using var document = JsonDocument.Parse(File.Bytes.AsMemory(Settings.Start, Settings.End - Settings.Start), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            return JsonSerializer.Serialize(document.RootElement);
        }
    }
}

/// <summary>
/// Every <c>*.schema.json</c> of a schemas folder, read with byte positions (the same files the build gives the
/// generator), and the entities among them.
/// </summary>
public sealed class SchemaSet
{
    private readonly List<JsonTextFile> _files;

    private SchemaSet(string directory, List<JsonTextFile> files, List<EntitySchema> entities)
    {
        Directory = directory;
        _files = files;
        Entities = entities;
    }

    public string Directory { get; }

    public IReadOnlyList<EntitySchema> Entities { get; }

    /// <exception cref="SchemaFileException">A file is not JSON.</exception>
    /// <exception cref="SchemaToolException">The folder does not exist or holds no entity.</exception>
    public static SchemaSet Load(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new SchemaToolException($"The schemas folder {full} does not exist: pass the folder that holds the *.schema.json files with --schemas.");
        }
        var name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));
        var files = new List<JsonTextFile>();
        var entities = new List<EntitySchema>();
        foreach (var path in System.IO.Directory.GetFiles(full, "*.schema.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var display = name + "/" + Path.GetRelativePath(full, path).Replace(Path.DirectorySeparatorChar, '/');
            var file = JsonTextFile.Read(path, display);
            files.Add(file);
            if (file.Root.Kind == JsonValueKind.Object && file.Root["x-successapp"] is { Kind: JsonValueKind.Object } settings)
            {
                var table = settings["table"]?.Text ?? Path.GetFileName(path).Split('.')[0];
                entities.Add(new EntitySchema(table, file, settings));
            }
        }
        if (entities.Count == 0)
        {
            throw new SchemaToolException($"{full} holds no entity schema (a *.schema.json with an \"x-successapp\" block): pass the repository's schemas folder with --schemas.");
        }
        return new SchemaSet(full, files, entities);
    }

    /// <summary>The entity named by its table or by its file's name (<c>deals</c> or <c>deals.schema.json</c>).</summary>
    public EntitySchema? Find(string name) =>
        Entities.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal))
        ?? Entities.FirstOrDefault(e => string.Equals(e.FileName, name, StringComparison.Ordinal)
            || string.Equals(e.FileName, name + ".schema.json", StringComparison.Ordinal));

    public string EntityNames => string.Join(", ", Entities.Select(e => e.Name).Order(StringComparer.Ordinal));

    /// <summary>The file a <c>$ref</c>'s file part names, by <c>$id</c> or by file name, as the generator finds it.</summary>
    internal JsonTextFile? FindFile(string filePart)
    {
        var name = filePart.Replace('\\', '/');
        var baseName = name[(name.LastIndexOf('/') + 1)..];
        return _files.FirstOrDefault(f => f.Root["$id"]?.Text == filePart)
            ?? _files.FirstOrDefault(f => string.Equals(Path.GetFileName(f.Path), baseName, StringComparison.Ordinal));
    }

    /// <summary>Walks up from <paramref name="start"/> to the first folder that has a <c>schemas/</c> folder with schema files.</summary>
    public static string FindSchemasFolder(string start)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "schemas");
            if (System.IO.Directory.Exists(candidate) && System.IO.Directory.EnumerateFiles(candidate, "*.schema.json", SearchOption.AllDirectories).Any())
            {
                return candidate;
            }
        }
        throw new SchemaToolException($"No schemas/ folder with *.schema.json files in {Path.GetFullPath(start)} or any folder above it: run this inside the repository, or pass --schemas DIR.");
    }
}
