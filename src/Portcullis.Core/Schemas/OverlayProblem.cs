namespace Portcullis.Core.Schemas;

/// <summary>A place where an overlay would loosen the upstream's schema; <c>Path</c> is a JSON Pointer into the overlay.</summary>
internal sealed record OverlayProblem(string Path, string Keyword, string Message)
{
    public override string ToString() => $"{(Path.Length == 0 ? "/" : Path)} {Keyword}: {Message}";
}
