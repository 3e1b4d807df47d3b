using System.Collections;

namespace Portcullis.Core.Diagnostics;

/// <summary>
/// The words <see cref="MixedScripts"/> found in one call's arguments, in document order: at most
/// <see cref="MixedScripts.MaxWarnings"/>, and whether the list was cut there (<see cref="Truncated"/>).
/// </summary>
internal sealed class MixedScriptWarnings(IReadOnlyList<MixedScriptWarning> warnings, bool truncated) : IReadOnlyList<MixedScriptWarning>
{
    /// <summary>True when the arguments hold more such words than are listed: the check stopped at the cap.</summary>
    public bool Truncated => truncated;

    public int Count => warnings.Count;

    public MixedScriptWarning this[int index] => warnings[index];

    public IEnumerator<MixedScriptWarning> GetEnumerator() => warnings.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
