using System.Reflection;
using Microsoft.CodeAnalysis;
using SuccessApp.Generator.Tests.Infrastructure;

namespace SuccessApp.Generator.Tests;

/// <summary>
/// Bad schemas: each gives exactly the build error that says what is wrong and how to fix it, pointing at the schema
/// file and the 0-based line (and column) of the offending text, and the generator itself never throws. Every schema
/// is written inline; the comment after a line says which 0-based line it is.
/// </summary>
public sealed class DiagnosticsTests
{
    private const string SchemaPath = "/repo/schemas/deals.schema.json";
    private const string CommonPath = "/repo/schemas/common.schema.json";

    // ---------------------------------------------------------------- SA1001 invalid JSON

    [Fact]
    public void Missing_comma_is_SA1001_at_the_token_after_it()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" }
                "name": { "type": "string" }
              }
            }
            """;
        // line 4 lacks its comma; the reader notices at the next token: `"name"` on line 5.
        var output = Run(text);

        var error = SingleError(output, "SA1001");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"name\"");
        AssertMessage(error, "not valid JSON", "Expected either ','");
        Assert.Equal(["SchemaRegistry.g.cs"], output.Files.Keys);
    }

    [Fact]
    public void SA1001_column_counts_characters_not_UTF8_bytes()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string", "description": "café crème" } "name": {}
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1001");
        // Two 2-byte characters before the bad token: a byte column would be 2 too far right.
        AssertAt(error, SchemaPath, text, line: 4, marker: "\"name\"");
    }

    // ---------------------------------------------------------------- SA1002 unsupported type

    [Fact]
    public void Misspelt_type_is_SA1002_at_the_type_value()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "name": { "type": "strnig" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1002");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"strnig\"");
        AssertMessage(error, "'name'", "'strnig'", "string, integer, number, boolean, object, array, null", "\"x-flatten\": false");
    }

    [Fact]
    public void Unsupported_type_inside_a_type_array_is_SA1002_at_that_item()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "amount": { "type": ["null", "decimal"] }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1002");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"decimal\"");
        AssertMessage(error, "'amount'", "'decimal'");
    }

    // ---------------------------------------------------------------- SA1003 unresolvable $ref

    [Fact]
    public void Ref_to_a_missing_definition_in_the_same_file_is_SA1003_at_the_ref()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "$defs": { "owner": { "type": "object", "properties": { "id": { "type": "string" } } } },
              "properties": {
                "id": { "type": "string" },
                "owner": { "$ref": "#/$defs/ownr" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1003");
        AssertAt(error, SchemaPath, text, line: 6, marker: "\"$ref\"");
        AssertMessage(error, "'owner'", "'#/$defs/ownr'", "deals.schema.json", "nothing at '#/$defs/ownr'");
    }

    [Fact]
    public void Ref_to_a_missing_file_is_SA1003_naming_the_file_and_where_schema_files_come_from()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "owner": { "$ref": "people.schema.json#/$defs/owner" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1003");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"$ref\"");
        AssertMessage(error, "'owner'", "'people.schema.json#/$defs/owner'", "no schema file 'people.schema.json'", "schemas/**/*.schema.json");
    }

    [Fact]
    public void Bad_ref_inside_a_referenced_file_is_SA1003_in_that_file()
    {
        const string entity = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "owner": { "$ref": "common.schema.json#/$defs/owner" }
              }
            }
            """;
        const string common = """
            {
              "$defs": {
                "owner": {
                  "type": "object",
                  "properties": {
                    "id": { "$ref": "#/$defs/uid" }
                  }
                }
              }
            }
            """;
        var output = GeneratorHarness.Run([new SchemaText(SchemaPath, entity), new SchemaText(CommonPath, common)]);
        AssertDidNotCrash(output);

        var error = SingleError(output, "SA1003");
        AssertAt(error, CommonPath, common, line: 5, marker: "\"$ref\"");
        AssertMessage(error, "'#/$defs/uid'", "common.schema.json", "nothing at '#/$defs/uid'");
    }

    // ---------------------------------------------------------------- SA1004 array without items

    [Fact]
    public void Array_without_items_is_SA1004_at_the_property()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "tags": { "type": "array" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1004");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"tags\"");
        AssertMessage(error, "'tags'", "\"items\"", "\"x-flatten\": false");
    }

    [Fact]
    public void Nullable_array_without_items_in_a_nested_object_is_SA1004_with_its_path()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "meta": {
                  "type": "object",
                  "properties": {
                    "labels": { "type": ["array", "null"] }
                  }
                }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1004");
        AssertAt(error, SchemaPath, text, line: 8, marker: "\"labels\"");
        AssertMessage(error, "'meta.labels'");
    }

    // ---------------------------------------------------------------- SA1005 names over 63 bytes

    [Fact]
    public void Column_name_over_63_bytes_is_SA1005_at_the_property()
    {
        var name = new string('a', 64);
        var text = $$"""
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "{{name}}": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1005");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"" + name + "\"");
        AssertMessage(error, "Column name '" + name + "'", "64 bytes", "63 bytes", "\"x-column\"");
    }

    [Fact]
    public void Column_name_of_32_characters_but_64_UTF8_bytes_is_SA1005()
    {
        var name = string.Concat(Enumerable.Repeat("é", 32));
        var text = $$"""
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "{{name}}": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1005");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"" + name + "\"");
        AssertMessage(error, "64 bytes");
    }

    [Fact]
    public void Column_name_of_exactly_63_bytes_is_accepted()
    {
        var text = $$"""
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "{{new string('a', 63)}}": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        Assert.Empty(output.Diagnostics);
        Assert.Contains("Deals.g.cs", output.Files.Keys);
    }

    [Fact]
    public void Table_name_over_63_bytes_is_SA1005_at_the_settings_block()
    {
        var table = new string('t', 64);
        var text = $$"""
            {
              "type": "object",
              "x-successapp": { "table": "{{table}}", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1005");
        AssertAt(error, SchemaPath, text, line: 2, marker: "\"x-successapp\"");
        AssertMessage(error, "Table name '" + table + "'", "64 bytes", "\"x-successapp.table\"");
    }

    // ---------------------------------------------------------------- SA1006 two properties, one column

    [Fact]
    public void Dotted_property_and_nested_object_giving_the_same_column_is_SA1006()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "a.b": { "type": "string" },
                "a": { "type": "object", "properties": { "b": { "type": "string" } } }
              }
            }
            """;
        var output = Run(text);

        Assert.All(output.Diagnostics, d => Assert.Equal("SA1006", d.Id));
        var error = FirstError(output, "SA1006");
        // The second of the two: the nested `b` on line 6.
        AssertAt(error, SchemaPath, text, line: 6, marker: "\"b\"");
        AssertMessage(error, "['a.b']", "'a.b'", "column 'a.b'", "\"x-column\"");
    }

    [Fact]
    public void X_column_renaming_onto_another_column_is_SA1006_at_the_renamed_property()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "name": { "type": "string" },
                "title": { "type": "string", "x-column": "name" }
              }
            }
            """;
        var output = Run(text);

        Assert.All(output.Diagnostics, d => Assert.Equal("SA1006", d.Id));
        var error = FirstError(output, "SA1006");
        AssertAt(error, SchemaPath, text, line: 6, marker: "\"title\"");
        AssertMessage(error, "'name' and 'title'", "column 'name'", "\"x-column\"");
    }

    [Fact]
    public void One_column_collision_is_reported_once()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "name": { "type": "string" },
                "title": { "type": "string", "x-column": "name" }
              }
            }
            """;
        var output = Run(text);

        // Two properties, one root-table column: one mistake, one error (not one more for the wide view).
        var errors = output.Errors.ToList();
        Assert.True(errors.Count == 1, "Expected one SA1006, got:\n" + string.Join("\n", errors.Select(e => e.GetMessage())));
    }

    // ---------------------------------------------------------------- SA1007 primary key

    [Fact]
    public void Missing_primary_key_is_SA1007_at_the_settings_block()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals" },
              "properties": {
                "id": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1007");
        AssertAt(error, SchemaPath, text, line: 2, marker: "\"x-successapp\"");
        AssertMessage(error, "'deals'", "declares no \"primaryKey\"", "\"primaryKey\": [\"id\"]");
    }

    [Fact]
    public void Primary_key_naming_a_missing_property_is_SA1007_at_the_primary_key()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": {
                "table": "deals",
                "primaryKey": ["deal_id"]
              },
              "properties": {
                "id": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1007");
        AssertAt(error, SchemaPath, text, line: 4, marker: "\"primaryKey\"");
        AssertMessage(error, "'deals'", "'deal_id'", "not a top-level scalar property", "\"primaryKey\": [\"id\"]");
    }

    [Fact]
    public void Primary_key_naming_a_nested_property_is_SA1007()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals",
                "primaryKey": ["b"] },
              "properties": {
                "id": { "type": "string" },
                "a": { "type": "object", "properties": { "b": { "type": "string" } } }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1007");
        AssertAt(error, SchemaPath, text, line: 3, marker: "\"primaryKey\"");
        AssertMessage(error, "'b'");
    }

    // ---------------------------------------------------------------- SA1009 recursion

    [Fact]
    public void Recursive_ref_through_an_object_is_SA1009_at_the_recursive_property()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "$defs": {
                "node": {
                  "type": "object",
                  "properties": {
                    "name": { "type": "string" },
                    "child": { "$ref": "#/$defs/node" }
                  }
                }
              },
              "properties": {
                "id": { "type": "string" },
                "tree": { "$ref": "#/$defs/node" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1009");
        AssertAt(error, SchemaPath, text, line: 8, marker: "\"child\"");
        AssertMessage(error, "'tree.child'", "'#/$defs/node'", "\"x-flatten\": false");
    }

    [Fact]
    public void Ref_cycle_between_definitions_is_SA1009_at_the_ref_that_closes_it()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "$defs": {
                "a": { "$ref": "#/$defs/b" },
                "b": { "$ref": "#/$defs/a" }
              },
              "properties": {
                "id": { "type": "string" },
                "loop": { "$ref": "#/$defs/a" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1009");
        // loop → a → b → a: the ref in `b` on line 5 goes back to `a`.
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"$ref\"");
        AssertMessage(error, "'loop'", "'#/$defs/a'");
    }

    [Fact]
    public void Recursive_ref_through_array_items_does_not_crash_the_generator()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "$defs": {
                "node": {
                  "type": "object",
                  "properties": {
                    "name": { "type": "string" },
                    "children": { "type": "array", "items": { "$ref": "#/$defs/node" } }
                  }
                }
              },
              "properties": {
                "id": { "type": "string" },
                "tree": { "$ref": "#/$defs/node" }
              }
            }
            """;
        var output = Run(text);

        // Either the recursion is an SA1009 at `children` (line 8), or the generator keeps the elements as jsonb as
        // its array code intends; either way it must not throw.
        var errors = output.Errors.ToList();
        if (errors.Count > 0)
        {
            var error = SingleError(output, "SA1009");
            AssertAt(error, SchemaPath, text, line: 8, marker: "\"children\"");
        }
        else
        {
            Assert.Contains("Deals.g.cs", output.Files.Keys);
            GeneratorHarness.CompileAndLoad(output);
        }
    }

    // ---------------------------------------------------------------- SA1010 x-key

    [Fact]
    public void X_key_naming_a_missing_element_property_is_SA1010_at_the_x_key()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "lines": {
                  "type": "array",
                  "x-key": ["sku"],
                  "items": { "type": "object", "properties": { "code": { "type": "string" } } }
                }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1010");
        AssertAt(error, SchemaPath, text, line: 7, marker: "\"x-key\"");
        AssertMessage(error, "\"x-key\"", "'lines'", "'sku'", "not a scalar property of its elements");
    }

    [Fact]
    public void X_key_on_an_array_of_scalars_is_SA1010()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "tags": { "type": "array", "items": { "type": "string" }, "x-key": ["id"] }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1010");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"x-key\"");
        AssertMessage(error, "'tags'", "'id'");
    }

    // ---------------------------------------------------------------- SA1011 cursor

    [Fact]
    public void Cursor_naming_a_missing_property_is_SA1011_at_the_cursor()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": {
                "table": "deals",
                "primaryKey": ["id"],
                "cursor": "modified_at"
              },
              "properties": {
                "id": { "type": "string" },
                "updated_at": { "type": "string", "format": "date-time" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1011");
        AssertAt(error, SchemaPath, text, line: 5, marker: "\"cursor\"");
        AssertMessage(error, "'modified_at'", "'deals'", "date-time, date or integer");
    }

    [Fact]
    public void Boolean_cursor_is_SA1011()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"], "cursor": "is_won" },
              "properties": {
                "id": { "type": "string" },
                "is_won": { "type": "boolean" }
              }
            }
            """;
        var output = Run(text);

        var error = SingleError(output, "SA1011");
        AssertAt(error, SchemaPath, text, line: 2, marker: "\"cursor\"");
        AssertMessage(error, "'is_won'");
    }

    [Fact]
    public void String_cursor_is_rejected_and_the_message_does_not_say_strings_are_allowed()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"], "cursor": "version" },
              "properties": {
                "id": { "type": "string" },
                "version": { "type": "string" }
              }
            }
            """;
        var output = Run(text);

        // The generated dedup compares cursors as numbers, so a text cursor is (rightly) refused; the message must
        // then not list "string" among the accepted kinds.
        var error = SingleError(output, "SA1011");
        Assert.DoesNotContain("string", error.GetMessage(), StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- errors in a referenced file

    [Fact]
    public void Array_without_items_in_a_referenced_file_points_at_that_file()
    {
        const string entity = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "owner": { "$ref": "common.schema.json#/$defs/owner" }
              }
            }
            """;
        const string common = """
            {
              "$defs": {
                "owner": {
                  "type": "object",
                  "properties": {
                    "tags": { "type": "array" }
                  }
                }
              }
            }
            """;
        var output = GeneratorHarness.Run([new SchemaText(SchemaPath, entity), new SchemaText(CommonPath, common)]);
        AssertDidNotCrash(output);

        var error = SingleError(output, "SA1004");
        AssertAt(error, CommonPath, common, line: 5, marker: "\"tags\"");
    }

    [Fact]
    public void Recursion_in_a_referenced_file_points_at_that_file()
    {
        const string entity = """
            {
              "type": "object",
              "x-successapp": { "table": "deals", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "tree": { "$ref": "common.schema.json#/$defs/node" }
              }
            }
            """;
        const string common = """
            {
              "$defs": {
                "node": {
                  "type": "object",
                  "properties": {
                    "name": { "type": "string" },
                    "child": { "$ref": "#/$defs/node" }
                  }
                }
              }
            }
            """;
        var output = GeneratorHarness.Run([new SchemaText(SchemaPath, entity), new SchemaText(CommonPath, common)]);
        AssertDidNotCrash(output);

        var error = SingleError(output, "SA1009");
        AssertAt(error, CommonPath, common, line: 6, marker: "\"child\"");
    }

    // ---------------------------------------------------------------- hostile names

    [Fact]
    public void Injection_style_property_name_compiles_and_is_only_ever_a_quoted_identifier()
    {
        const string text = """
            {
              "type": "object",
              "x-successapp": { "table": "probe", "primaryKey": ["id"] },
              "properties": {
                "id": { "type": "string" },
                "x\"; DROP TABLE deals; --": { "type": ["string", "null"] }
              }
            }
            """;
        var output = Run(text);

        Assert.Empty(output.Diagnostics);
        var assembly = GeneratorHarness.CompileAndLoad(output);
        var sql = assembly.GetType(GeneratorHarness.TestNamespace + ".ProbeSql", throwOnError: true)!;

        var create = Constant(sql, "Create0");
        Assert.Contains("\"x\"\"; DROP TABLE deals; --\" text", create, StringComparison.Ordinal);
        var addColumns = (IReadOnlyList<string>)sql.GetField("AddColumns0")!.GetValue(null)!;
        Assert.Contains("ALTER TABLE \"probe\" ADD COLUMN IF NOT EXISTS \"x\"\"; DROP TABLE deals; --\" text", addColumns);

        // Wherever the name appears in any statement, it is inside its quoted identifier.
        var statements = sql.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null))
            .SelectMany(v => v switch { string s => new[] { s }, IReadOnlyList<string> list => list.ToArray(), _ => Array.Empty<string>() })
            .ToList();
        Assert.Contains(statements, s => s.Contains("DROP TABLE deals", StringComparison.Ordinal));
        foreach (var statement in statements)
        {
            var unquoted = statement.Replace("\"x\"\"; DROP TABLE deals; --\"", "<quoted>", StringComparison.Ordinal);
            Assert.DoesNotContain("DROP TABLE deals", unquoted, StringComparison.Ordinal);
        }
    }

    // ---------------------------------------------------------------- a bad entity beside a good one

    public static TheoryData<string, string> BadEntities => new()
    {
        { "SA1001", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] } "properties": {} }""" },
        { "SA1002", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "n": { "type": "strnig" } } }""" },
        { "SA1003", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "n": { "$ref": "#/$defs/none" } } }""" },
        { "SA1004", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "n": { "type": "array" } } }""" },
        { "SA1005", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn": { "type": "string" } } }""" },
        { "SA1006", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "n": { "type": "string", "x-column": "id" } } }""" },
        { "SA1007", """{ "type": "object", "x-successapp": { "table": "bad" }, "properties": { "id": { "type": "string" } } }""" },
        { "SA1009", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "$defs": { "n": { "type": "object", "properties": { "n": { "$ref": "#/$defs/n" } } } }, "properties": { "id": { "type": "string" }, "n": { "$ref": "#/$defs/n" } } }""" },
        { "SA1010", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"] }, "properties": { "id": { "type": "string" }, "n": { "type": "array", "x-key": ["k"], "items": { "type": "string" } } } }""" },
        { "SA1011", """{ "type": "object", "x-successapp": { "table": "bad", "primaryKey": ["id"], "cursor": "n" }, "properties": { "id": { "type": "string" } } }""" },
    };

    [Theory]
    [MemberData(nameof(BadEntities))]
    public void Bad_entity_gets_errors_and_no_source_while_a_good_entity_beside_it_still_generates(string id, string bad)
    {
        const string good = """
            {
              "type": "object",
              "x-successapp": { "table": "good", "primaryKey": ["id"] },
              "properties": { "id": { "type": "string" }, "name": { "type": ["string", "null"] } }
            }
            """;
        var output = GeneratorHarness.Run([new SchemaText("/repo/schemas/bad.schema.json", bad), new SchemaText("/repo/schemas/good.schema.json", good)]);
        AssertDidNotCrash(output);

        Assert.NotEmpty(output.Diagnostics);
        Assert.All(output.Diagnostics, d =>
        {
            Assert.Equal(id, d.Id);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal("/repo/schemas/bad.schema.json", d.Location.GetLineSpan().Path);
        });
        Assert.Equal(["Good.g.cs", "SchemaRegistry.g.cs"], output.Files.Keys.Order(StringComparer.Ordinal));
        var registry = output.Files["SchemaRegistry.g.cs"];
        Assert.Contains("GoodEntity.Definition", registry, StringComparison.Ordinal);
        Assert.DoesNotContain("BadEntity", registry, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- helpers

    private static GeneratorHarness.Output Run(string text)
    {
        var output = GeneratorHarness.Run([new SchemaText(SchemaPath, text)]);
        AssertDidNotCrash(output);
        return output;
    }

    /// <summary>The generator ran to the end: no exception, no CS8785 "generator failed", no compiler diagnostic of its own.</summary>
    private static void AssertDidNotCrash(GeneratorHarness.Output output)
    {
        Assert.Single(output.Result.Results);
        Assert.Null(output.Result.Results[0].Exception);
        var compilerDiagnostics = output.Diagnostics.Concat(output.Result.Diagnostics).Where(d => d.Id.StartsWith("CS", StringComparison.Ordinal)).ToList();
        Assert.True(compilerDiagnostics.Count == 0, "The generator failed:\n" + string.Join("\n", compilerDiagnostics));
    }

    private static Diagnostic SingleError(GeneratorHarness.Output output, string id)
    {
        var all = output.Diagnostics;
        Assert.True(
            all.Length == 1 && all[0].Id == id,
            $"Expected exactly one {id}, got {all.Length}:\n" + string.Join("\n", all.Select(Describe)));
        Assert.Equal(DiagnosticSeverity.Error, all[0].Severity);
        return all[0];
    }

    private static Diagnostic FirstError(GeneratorHarness.Output output, string id)
    {
        var error = output.Diagnostics.FirstOrDefault(d => d.Id == id);
        Assert.True(error is not null, $"Expected {id}, got:\n" + string.Join("\n", output.Diagnostics.Select(Describe)));
        Assert.Equal(DiagnosticSeverity.Error, error!.Severity);
        return error;
    }

    /// <summary>The location is in <paramref name="path"/>, on 0-based <paramref name="line"/>, at the column where <paramref name="marker"/> starts.</summary>
    private static void AssertAt(Diagnostic diagnostic, string path, string text, int line, string marker)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var column = lines[line].IndexOf(marker, StringComparison.Ordinal);
        Assert.True(column >= 0, $"test bug: line {line} `{lines[line]}` does not hold `{marker}`");

        Assert.True(diagnostic.Location.IsInSource || diagnostic.Location.Kind == LocationKind.ExternalFile, $"{diagnostic.Id} has no file location: {diagnostic.Location}");
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(path, span.Path);
        var at = span.StartLinePosition;
        Assert.True(
            at.Line == line && at.Character == column,
            $"{diagnostic.Id} should point at line {line}, column {column} (`{marker}`), but points at line {at.Line}, column {at.Character}: " +
            (at.Line < lines.Length ? "`" + lines[at.Line] + "`" : "(past the end)"));
        Assert.Equal(at.Line, span.EndLinePosition.Line);
    }

    private static void AssertMessage(Diagnostic diagnostic, params string[] parts)
    {
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var part in parts)
        {
            Assert.True(message.Contains(part, StringComparison.Ordinal), $"{diagnostic.Id} message should contain `{part}`: {message}");
        }
    }

    private static string Describe(Diagnostic d) => $"{d.Id} {d.Severity} {d.Location.GetLineSpan()}: {d.GetMessage()}";

    private static string Constant(Type type, string name) => (string)type.GetField(name)!.GetValue(null)!;
}
