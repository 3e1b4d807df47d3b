using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Core.Schemas;

namespace Portcullis.Benchmarks;

/// <summary>
/// Describing an <c>invalid_arguments</c> answer for an object whose every member is refused: 80,000 members against
/// 1,000. Linear work gives a ratio near 80; finding each offending value by scanning its object from the start (the
/// code before 2026-12-03) gave one in the thousands (3.5 s of CPU for 40,000 members).
/// </summary>
[MemoryDiagnoser]
public class ViolationDetailsBenchmarks
{
    private const string Schema = """{"type":"object","properties":{"q":{"type":"string"}},"additionalProperties":{"type":"string"}}""";

    private CompiledSchema _schema = null!;
    private JsonDocument _thousand = null!;
    private JsonDocument _eightyThousand = null!;

    [GlobalSetup]
    public void Setup()
    {
        _schema = SchemaCompiler.TryCompile(JsonDocument.Parse(Schema).RootElement.Clone(), out _)!;
        _thousand = Members(1_000);
        _eightyThousand = Members(80_000);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _thousand.Dispose();
        _eightyThousand.Dispose();
    }

    [Benchmark(Baseline = true, Description = "1,000 refused members")]
    public int Thousand() => _schema.Validate(_thousand.RootElement, Unbounded()).Count;

    [Benchmark(Description = "80,000 refused members")]
    public int EightyThousand() => _schema.Validate(_eightyThousand.RootElement, Unbounded()).Count;

    /// <summary>A budget no run here reaches: the benchmark prices describing every member, not the budget's cut.</summary>
    private static CheckBudget Unbounded() => new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), ThreadCpuClock.Instance);

    private static JsonDocument Members(int count) =>
        JsonDocument.Parse("{" + string.Join(',', Enumerable.Range(0, count).Select(i => $"\"k{i}\":{i}")) + "}");
}
