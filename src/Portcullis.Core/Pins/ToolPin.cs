using System.Text.Json.Nodes;

namespace Portcullis.Core.Pins;

/// <summary>One tool as an operator reviewed it: its definition and the digest recorded beside it.</summary>
internal sealed record ToolPin(string Sha256, JsonObject Definition)
{
    public static ToolPin Of(JsonObject definition) =>
        new(PinDigest.Compute(definition) ?? throw new ArgumentException("The definition is not I-JSON.", nameof(definition)), definition);

    /// <summary>Whether the recorded digest is the digest of the recorded definition (false: the file was edited).</summary>
    public bool IsIntact => string.Equals(PinDigest.Compute(Definition), Sha256, StringComparison.Ordinal);

    /// <summary>Compares a live definition with this pin.</summary>
    public PinCheck Check(JsonObject live)
    {
        if (!IsIntact)
        {
            return new PinCheck(PinState.Tampered, []);
        }

        return string.Equals(PinDigest.Compute(live), Sha256, StringComparison.Ordinal)
            ? new PinCheck(PinState.Matches, [])
            : new PinCheck(PinState.Drifted, PinnedDefinition.Differences(Definition, live));
    }
}
