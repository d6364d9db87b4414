using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Etl.Tests.Sampling;

/// <summary>Where the schemas and the worker's bundled samples are.</summary>
internal static class SamplingPaths
{
    public static string Root => RepositoryPaths.Root;

    public static string Schemas => RepositoryPaths.Schemas;

    public static string Sample(string fileName)
    {
        var path = Path.Combine(Root, "src", "SuccessApp.Worker", "samples", fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Bundled sample {path} is missing.", path);
    }
}
