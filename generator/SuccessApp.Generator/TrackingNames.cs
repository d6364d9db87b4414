namespace SuccessApp.Generator;

/// <summary>Names of the pipeline steps, so tests can check what ran and what came from the cache.</summary>
public static class TrackingNames
{
    public const string SchemaFiles = nameof(SchemaFiles);
    public const string ParsedSchemas = nameof(ParsedSchemas);
    public const string AllSchemas = nameof(AllSchemas);
    public const string Options = nameof(Options);
    public const string Entities = nameof(Entities);
    public const string EntityModels = nameof(EntityModels);
    public const string RegistryEntries = nameof(RegistryEntries);
}
