using System.Globalization;
using System.Text;

namespace SuccessApp.SchemaTools.Proposal;

/// <summary>
/// A unified diff of two texts, line by line, with three lines of context — the format of <c>diff -u</c> and
/// <c>git diff</c>, so a reviewer reads it as usual and <c>patch</c> can apply it.
/// </summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>The diff, or an empty string when the texts are equal.</summary>
    public static string Create(string oldText, string newText, string oldName, string newName)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        var a = Lines(oldText, out var aEndsWithNewLine);
        var b = Lines(newText, out var bEndsWithNewLine);
        if (aEndsWithNewLine != bEndsWithNewLine && a.Length > 0 && b.Length > 0)
        {
            // The last lines differ in their ending: mark them as changed.
            a[^1] += "\0";
        }
        var edits = Edits(a, b);
        if (edits.All(e => e.Kind == ' '))
        {
            return "";
        }

        var output = new StringBuilder();
        output.Append("--- ").Append(oldName).Append('\n');
        output.Append("+++ ").Append(newName).Append('\n');
        var i = 0;
        while (i < edits.Count)
        {
            // A hunk runs from the first change (less context) to the last change that is followed by fewer than
            // 2 * Context unchanged lines before the next one.
            var firstChange = edits.FindIndex(i, e => e.Kind != ' ');
            if (firstChange < 0)
            {
                break;
            }
            var start = Math.Max(i, firstChange - Context);
            var end = firstChange;
            var scan = firstChange;
            while (scan < edits.Count)
            {
                if (edits[scan].Kind != ' ')
                {
                    end = scan;
                    scan++;
                    continue;
                }
                var next = edits.FindIndex(scan, e => e.Kind != ' ');
                if (next < 0 || next - scan > 2 * Context)
                {
                    break;
                }
                scan = next;
            }
            var stop = Math.Min(edits.Count, end + 1 + Context);
            WriteHunk(output, edits, start, stop, a, b, aEndsWithNewLine, bEndsWithNewLine);
            i = stop;
        }
        return output.ToString();
    }

    private readonly record struct Edit(char Kind, int OldIndex, int NewIndex);

    private static void WriteHunk(StringBuilder output, List<Edit> edits, int start, int stop, string[] a, string[] b, bool aNewLine, bool bNewLine)
    {
        var oldStart = -1;
        var newStart = -1;
        var oldCount = 0;
        var newCount = 0;
        for (var k = start; k < stop; k++)
        {
            var edit = edits[k];
            if (edit.Kind != '+')
            {
                oldStart = oldStart < 0 ? edit.OldIndex : oldStart;
                oldCount++;
            }
            if (edit.Kind != '-')
            {
                newStart = newStart < 0 ? edit.NewIndex : newStart;
                newCount++;
            }
        }
        // An empty side is numbered by the line before it, as diff does.
        oldStart = oldCount == 0 ? edits[start].OldIndex : oldStart + 1;
        newStart = newCount == 0 ? edits[start].NewIndex : newStart + 1;
        output.Append("@@ -").Append(Range(oldStart, oldCount)).Append(" +").Append(Range(newStart, newCount)).Append(" @@\n");
        for (var k = start; k < stop; k++)
        {
            var edit = edits[k];
            var fromOld = edit.Kind != '+';
            var line = fromOld ? a[edit.OldIndex] : b[edit.NewIndex];
            output.Append(edit.Kind).Append(line.TrimEnd('\0')).Append('\n');
            var isLast = fromOld ? edit.OldIndex == a.Length - 1 : edit.NewIndex == b.Length - 1;
            if (isLast && !(fromOld ? aNewLine : bNewLine))
            {
                output.Append("\\ No newline at end of file\n");
            }
        }
    }

    private static string Range(int start, int count) =>
        count == 1 ? start.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{start},{count}");

    private static string[] Lines(string text, out bool endsWithNewLine)
    {
        endsWithNewLine = text.EndsWith('\n');
        if (text.Length == 0)
        {
            return [];
        }
        var body = endsWithNewLine ? text[..^1] : text;
        return [.. body.Split('\n').Select(l => l.TrimEnd('\r'))];
    }

    /// <summary>The edit script of a longest common subsequence (schema files are small: quadratic is fine).</summary>
    private static List<Edit> Edits(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        var edits = new List<Edit>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add(new Edit(' ', x++, y++));
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Deletions first within a change, as diff prints them.
                edits.Add(new Edit('-', x++, y));
            }
            else
            {
                edits.Add(new Edit('+', x, y++));
            }
        }
        return edits;
    }
}
