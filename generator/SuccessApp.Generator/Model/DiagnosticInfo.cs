using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace SuccessApp.Generator.Model;

/// <summary>A position in a schema file (0-based line and column, in characters), kept as plain data.</summary>
internal readonly record struct SourcePos(int Offset, int Line, int Column, int Length)
{
    public static readonly SourcePos None = new(0, 0, 0, 0);
}

/// <summary>
/// A diagnostic as equatable data: the model never holds a <see cref="Location"/>, so equal schemas give equal
/// models; the location is rebuilt from the file path and position when the diagnostic is reported.
/// </summary>
internal sealed record DiagnosticInfo(string Id, string FilePath, SourcePos Pos, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, string filePath, SourcePos pos, params string[] arguments) =>
        new(descriptor.Id, filePath, pos, new EquatableArray<string>(arguments));

    public Diagnostic ToDiagnostic()
    {
        var start = new LinePosition(Pos.Line, Pos.Column);
        var end = new LinePosition(Pos.Line, Pos.Column + Pos.Length);
        var location = Location.Create(FilePath, new TextSpan(Pos.Offset, Pos.Length), new LinePositionSpan(start, end));
        return Diagnostic.Create(Diagnostics.DiagnosticDescriptors.ById(Id), location, Arguments.ToArray<object>());
    }
}

internal static class DiagnosticInfoExtensions
{
    public static T[] ToArray<T>(this EquatableArray<string> items)
    {
        var result = new T[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            result[i] = (T)(object)items[i];
        }
        return result;
    }
}
