// netstandard2.0 lacks the marker types that records and init accessors compile against.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit
    {
    }
}
