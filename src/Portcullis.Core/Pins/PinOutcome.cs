namespace Portcullis.Core.Pins;

/// <summary>What <c>portcullis pin</c> did with one live definition.</summary>
internal enum PinOutcome
{
    /// <summary>Its pin matches: nothing to do.</summary>
    Unchanged,

    /// <summary>Pinned for the first time (the lock file did not exist, or <c>--accept</c> named it).</summary>
    Pinned,

    /// <summary>It had drifted (or its pin was edited) and <c>--accept</c> named it: pinned again.</summary>
    Accepted,

    /// <summary>It differs from its pin and was not accepted: still withheld.</summary>
    Drifted,

    /// <summary>Its pin is not the digest of its own definition and it was not accepted: still withheld.</summary>
    Tampered,

    /// <summary>It has no pin and was not accepted: still withheld.</summary>
    Unpinned,

    /// <summary>The upstream lists it more than once: serve withholds it, and nothing is pinned for it.</summary>
    ListedTwice,

    /// <summary>Its definition is not I-JSON (<see cref="PinEntry.Changed"/> says where): serve withholds it, and nothing is pinned for it.</summary>
    NotIJson,
}
