namespace Portcullis.Core.Tests.Configuration;

/// <summary>
/// A configuration <c>serve</c> must refuse: the paths its errors must name, and a value (a secret written where a
/// reference belongs) no message may repeat. <see cref="Exactly"/>: these paths and no others.
/// </summary>
public sealed record RefusedConfig(string Name, string Json, string[] Paths, string? Secret = null, bool Exactly = false, string? MessageContains = null)
{
    public override string ToString() => Name;
}
