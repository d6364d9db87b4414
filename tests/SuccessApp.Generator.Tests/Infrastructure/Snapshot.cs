using System.Runtime.CompilerServices;
using System.Text;

namespace SuccessApp.Generator.Tests.Infrastructure;

/// <summary>
/// Golden files: the expected text is checked in under <c>Snapshots/</c>. On a difference the test fails with a
/// readable line diff and writes <c>*.received.*</c> beside the baseline. <c>UPDATE_SNAPSHOTS=1</c> rewrites
/// baselines, except when <c>CI=true</c>: CI never accepts a snapshot.
/// </summary>
public static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string caller = "")
    {
        var directory = Path.Combine(RepositoryPaths.TestProject, "Snapshots");
        var baseline = Path.Combine(directory, name);
        var received = Path.Combine(Path.GetDirectoryName(baseline)!, Path.GetFileNameWithoutExtension(name) + ".received" + Path.GetExtension(name));
        actual = actual.Replace("\r\n", "\n");
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        var update = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1" && !ci;

        var expected = File.Exists(baseline) ? File.ReadAllText(baseline).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        if (update)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(baseline)!);
            File.WriteAllText(baseline, actual);
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(received)!);
        File.WriteAllText(received, actual);
        var message = expected is null
            ? $"No baseline {baseline}. Review {received} and accept it with UPDATE_SNAPSHOTS=1 dotnet test."
            : $"Snapshot {name} differs from its baseline (received text in {received}; accept with UPDATE_SNAPSHOTS=1):\n{Diff(expected, actual)}";
        Assert.Fail(message);
    }

    /// <summary>The first differing region of two texts, with a little context, as - and + lines.</summary>
    public static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var start = 0;
        while (start < a.Length && start < b.Length && a[start] == b[start])
        {
            start++;
        }
        var endA = a.Length - 1;
        var endB = b.Length - 1;
        while (endA >= start && endB >= start && a[endA] == b[endB])
        {
            endA--;
            endB--;
        }
        var text = new StringBuilder();
        for (var i = Math.Max(0, start - 3); i < start; i++)
        {
            text.Append("  ").Append(i + 1).Append(": ").AppendLine(a[i]);
        }
        for (var i = start; i <= endA && i < start + 40; i++)
        {
            text.Append("- ").Append(i + 1).Append(": ").AppendLine(a[i]);
        }
        for (var i = start; i <= endB && i < start + 40; i++)
        {
            text.Append("+ ").Append(i + 1).Append(": ").AppendLine(b[i]);
        }
        return text.ToString();
    }
}
