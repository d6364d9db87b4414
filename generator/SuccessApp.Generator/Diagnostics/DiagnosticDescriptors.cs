using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace SuccessApp.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. A bad schema is always a build error that points at the schema file and
/// line and says how to fix it; the generator itself never throws for bad input.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "SuccessApp.Schema";

    public static readonly DiagnosticDescriptor InvalidJson = Error(
        "SA1001", "Schema file is not valid JSON",
        "Schema file is not valid JSON: {0}");

    public static readonly DiagnosticDescriptor UnsupportedType = Error(
        "SA1002", "Unknown or unsupported type",
        "'{0}' has type '{1}', which is not a JSON Schema type the generator supports (string, integer, number, boolean, object, array, null); fix the type or set \"x-flatten\": false to keep the value as jsonb");

    public static readonly DiagnosticDescriptor UnresolvedRef = Error(
        "SA1003", "Unresolvable $ref",
        "'{0}' refers to '{1}', which cannot be found: {2}");

    public static readonly DiagnosticDescriptor ArrayWithoutItems = Error(
        "SA1004", "Array without items",
        "Array '{0}' has no \"items\" schema; describe its elements with \"items\", or set \"x-flatten\": false to keep it as jsonb");

    public static readonly DiagnosticDescriptor NameTooLong = Error(
        "SA1005", "Name longer than PostgreSQL allows",
        "{0} name '{1}' is {2} bytes; PostgreSQL truncates identifiers to 63 bytes. Shorten it with \"{3}\".");

    public static readonly DiagnosticDescriptor NameCollision = Error(
        "SA1006", "Two properties map to one name",
        "'{0}' and '{1}' both map to {2} '{3}'; give one of them another name with \"{4}\"");

    public static readonly DiagnosticDescriptor MissingPrimaryKey = Error(
        "SA1007", "Missing or unusable primary key",
        "Entity '{0}' {1}; declare \"x-successapp\": {{ \"primaryKey\": [\"id\"] }} naming top-level scalar properties");

    public static readonly DiagnosticDescriptor InvalidExtension = Error(
        "SA1008", "Invalid x-successapp setting",
        "Invalid '{0}': {1}");

    public static readonly DiagnosticDescriptor RecursiveSchema = Error(
        "SA1009", "Recursive schema",
        "'{0}' refers back to itself through '{1}'; a recursive structure cannot be flattened into tables. Set \"x-flatten\": false on it to keep it as jsonb.");

    public static readonly DiagnosticDescriptor InvalidKey = Error(
        "SA1010", "Invalid array key",
        "\"x-key\" of array '{0}' names '{1}', which is not a scalar property of its elements");

    public static readonly DiagnosticDescriptor InvalidCursor = Error(
        "SA1011", "Invalid cursor",
        "Cursor '{0}' of entity '{1}' is not a top-level date-time, date or integer property (cursors are compared as time or number)");

    public static readonly DiagnosticDescriptor RootNotObject = Error(
        "SA1012", "Entity schema is not an object",
        "The root of entity schema '{0}' must be an object with \"properties\"");

    public static readonly DiagnosticDescriptor DuplicateTable = Error(
        "SA1013", "Table defined by two entities",
        "Table '{0}' is produced by both '{1}' and '{2}'; rename one with \"x-successapp\": {{ \"table\": ... }} or \"x-table\"");

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
    {
        InvalidJson, UnsupportedType, UnresolvedRef, ArrayWithoutItems, NameTooLong, NameCollision,
        MissingPrimaryKey, InvalidExtension, RecursiveSchema, InvalidKey, InvalidCursor, RootNotObject, DuplicateTable,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
