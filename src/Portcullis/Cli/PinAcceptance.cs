namespace Portcullis.Cli;

/// <summary>
/// One <c>--accept</c> value: a name, optionally bound to the digest of the definition that was reviewed
/// (<c>NAME@sha256:HEX</c>, as the report prints it), so that a definition the upstream changed since is not pinned.
/// </summary>
internal sealed record PinAcceptance(string Name, string? Sha256)
{
    public const string Marker = "@sha256:";

    public static PinAcceptance Parse(string value)
    {
        var at = value.LastIndexOf(Marker, StringComparison.Ordinal);
        var digest = at < 0 ? null : value[(at + Marker.Length)..];
        return digest is { Length: 64 } && digest.All(char.IsAsciiHexDigitLower)
            ? new PinAcceptance(value[..at], digest)
            : new PinAcceptance(value, null);
    }

    /// <summary>The value the report prints for a definition awaiting review: its name bound to its live digest.</summary>
    public static string Format(string name, string sha256) => name + Marker + sha256;
}
