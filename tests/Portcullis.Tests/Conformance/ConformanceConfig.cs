using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Conformance;

/// <summary>The sample that exposes the conformance fixture at /mcp/conformance, exactly as shipped.</summary>
internal static class ConformanceConfig
{
    public static string SampleConfig => Path.Combine(RepoPaths.Root, "samples", "conformance", "portcullis.json");

    public static string FixtureDll => RepoPaths.ConformanceSample;
}
