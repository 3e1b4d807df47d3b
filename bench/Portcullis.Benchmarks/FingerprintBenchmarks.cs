using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Portcullis.Core.Idempotency;

namespace Portcullis.Benchmarks;

/// <summary>The cost of the canonical-JSON fingerprint of typical tool arguments, against plain serialization.</summary>
[MemoryDiagnoser]
public class FingerprintBenchmarks
{
    private Dictionary<string, JsonElement> _arguments = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var document = JsonDocument.Parse("""
            { "visibility": "internal", "contact_id": "c-1001",
              "body": "Called about the renewal; wants a quote for 25 seats by Friday. Prefers email.",
              "tags": ["renewal", "q3"], "score": 0.75, "meta": { "source": "agent", "attempt": 1 } }
            """);
        _arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [Benchmark(Baseline = true)]
    public string SerializeOnly() => JsonSerializer.Serialize(_arguments);

    [Benchmark]
    public string? CanonicalFingerprint() => Fingerprint.Compute(_arguments);
}
