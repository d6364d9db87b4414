using System.Runtime.CompilerServices;

namespace SuccessApp.Generator.Tests.Infrastructure;

/// <summary>Where things are in the repository, found from this source file so tests run from any directory.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Schemas => Path.Combine(Root, "schemas");

    public static string TestProject => Path.Combine(Root, "tests", "SuccessApp.Generator.Tests");

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        var directory = new DirectoryInfo(Path.GetDirectoryName(thisFile)!);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SuccessApp.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException($"SuccessApp.sln not found above {thisFile}.");
    }
}
