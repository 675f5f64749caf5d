using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Scratch.Benchmarks;

/// <summary>A summary column for the matmul benchmarks: 2·N³ flops over the median time, in GFLOP/s.</summary>
internal sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);

    public string ColumnName => "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "2·N³ / median time, for the N×N×N matmul benchmarks";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var median = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (median is not double ns || benchmarkCase.Descriptor.Type != typeof(MatMulBenchmarks) && benchmarkCase.Descriptor.Type != typeof(MatMulReferenceBenchmarks))
        {
            return "-";
        }
        int n = (int)benchmarkCase.Parameters["N"];
        return (2.0 * n * n * n / ns).ToString("F1");
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
