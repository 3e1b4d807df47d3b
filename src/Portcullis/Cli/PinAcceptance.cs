namespace Portcullis.Cli;

/// <summary>
/// One <c>--accept</c> value: a name, optionally bound to the digest of the definition that was reviewed
/// (<c>NAME@sha256:HEX</c>, as the report prints it), so that a definition the upstream changed since is not pinned.
/// </summary>
internal sealed record PinAcceptance(string Name, string? Sha256)
{
    public const string Marker = "@sha256:";

    /// <summary>
    /// Why <paramref name="value"/> cannot be an acceptance, or null: a digest after the marker that is not the 64
    /// lowercase hex digits the report prints (cut short in a copy, or upper-cased) would otherwise make the whole value
    /// read as a name no definition has.
    /// </summary>
    public static string? Problem(string value)
    {
        var at = value.LastIndexOf(Marker, StringComparison.Ordinal);
        if (at < 0 || Parse(value).Sha256 is not null)
        {
            return null;
        }

        var length = value.Length - at - Marker.Length;
        var what = length == 64 ? "this one has a character that is not 0-9 or a-f" : $"this one has {length} character(s)";
        return $"--accept {PosixShell.Quote(value)}: the digest after {Marker} must be 64 lowercase hex digits, as the report prints it ({what}); copy the whole value from the report.";
    }

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
