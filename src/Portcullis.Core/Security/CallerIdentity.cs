namespace Portcullis.Core.Security;

/// <summary>Who is calling, as established by the validated token.</summary>
public sealed record CallerIdentity(string Subject, string? ClientId, IReadOnlySet<string> Scopes)
{
    public static readonly CallerIdentity Anonymous = new("anonymous", null, new HashSet<string>(StringComparer.Ordinal));

    /// <summary>A stable key for per-principal state: subject plus client id where present.</summary>
    public string Key => ClientId is null ? Subject : $"{Subject}\u001f{ClientId}";

    public bool HasAll(IEnumerable<string> scopes) => scopes.All(Scopes.Contains);
}
