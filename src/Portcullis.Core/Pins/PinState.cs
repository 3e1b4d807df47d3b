namespace Portcullis.Core.Pins;

/// <summary>How a live tool stands against its pin.</summary>
internal enum PinState
{
    /// <summary>The live definition is the pinned one.</summary>
    Matches,

    /// <summary>The live definition differs from the pinned one.</summary>
    Drifted,

    /// <summary>The pin's digest is not the digest of its own definition: the lock file was edited by hand.</summary>
    Tampered,
}
