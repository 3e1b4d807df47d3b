using Xunit;

namespace Portcullis.Tests.Conformance;

/// <summary>Suite runs are heavy (each starts a gateway, an upstream and Node): they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConformanceCollection
{
    public const string Name = "conformance";
}
