using SuccessApp.SchemaTools.Proposal;

namespace SuccessApp.SchemaTools.Tests;

/// <summary>The diff format, checked against what <c>diff -u</c> prints for the same texts.</summary>
public sealed class UnifiedDiffTests
{
    private static readonly string Numbers = string.Concat(Enumerable.Range(1, 20).Select(i => i + "\n"));

    [Fact]
    public void Equal_texts_give_an_empty_diff()
    {
        Assert.Equal("", UnifiedDiff.Create(Numbers, Numbers, "a", "b"));
    }

    [Fact]
    public void Changes_far_apart_are_separate_hunks_with_three_lines_of_context()
    {
        var changed = Numbers.Replace("\n2\n", "\n2\ntwo and a half\n", StringComparison.Ordinal).Replace("17\n", "seventeen\n", StringComparison.Ordinal);

        Assert.Equal("""
            --- a
            +++ b
            @@ -1,5 +1,6 @@
             1
             2
            +two and a half
             3
             4
             5
            @@ -14,7 +15,7 @@
             14
             15
             16
            -17
            +seventeen
             18
             19
             20

            """, UnifiedDiff.Create(Numbers, changed, "a", "b"));
    }

    [Fact]
    public void Changes_close_together_share_a_hunk_and_a_missing_final_newline_is_marked()
    {
        var before = "a\nb\nc\nd\ne\nf\ng\nh\ni";
        var after = "a\nB\nc\nd\ne\nf\ng\nH\ni";

        Assert.Equal("""
            --- old
            +++ new
            @@ -1,9 +1,9 @@
             a
            -b
            +B
             c
             d
             e
             f
             g
            -h
            +H
             i
            \ No newline at end of file

            """, UnifiedDiff.Create(before, after, "old", "new"));
    }
}
