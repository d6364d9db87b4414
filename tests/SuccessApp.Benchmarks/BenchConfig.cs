using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SuccessApp.Benchmarks;

/// <summary>The default config plus the input-JSON throughput of a benchmark whose operation is one record.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        Add(DefaultConfig.Instance);
        AddColumn(new JsonThroughputColumn());
    }
}

/// <summary>
/// MB/s of deals NDJSON: <see cref="BenchData.JsonBytesPerRecord"/> over the mean time of one operation, for
/// benchmarks marked <see cref="PerRecordAttribute"/> (their OperationsPerInvoke is the chunk's record count).
/// </summary>
public sealed class JsonThroughputColumn : IColumn
{
    public string Id => nameof(JsonThroughputColumn);

    public string ColumnName => "JSON MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Megabytes (2^20) of input NDJSON per second: the chunk's bytes per record over the mean time per record";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var perRecord = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(PerRecordAttribute), false).Length > 0;
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (!perRecord || stats is null || stats.Mean <= 0)
        {
            return "-";
        }
        var bytesPerSecond = BenchData.Instance.JsonBytesPerRecord / (stats.Mean / 1e9);
        return (bytesPerSecond / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
    }
}

/// <summary>Marks a benchmark whose operation is one record of <see cref="BenchData"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PerRecordAttribute : Attribute;
