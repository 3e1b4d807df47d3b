using Xunit;

namespace Portcullis.Tests.Protocol;

/// <summary>The protocol revisions the SDK speaks; pass-through must work for both.</summary>
public static class Versions
{
    public const string V2025 = "2025-11-25";
    public const string V2026 = "2026-07-28";

    public static TheoryData<string> Both => new() { V2025, V2026 };
}
