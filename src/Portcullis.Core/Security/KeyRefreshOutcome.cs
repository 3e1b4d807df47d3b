namespace Portcullis.Core.Security;

/// <summary>What fetching the keys again for a token signed with an unknown key found (<see cref="IKeyRefresh"/>).</summary>
internal enum KeyRefreshOutcome
{
    /// <summary>The provider answered, and publishes the keys the token was checked against: its key is not published.</summary>
    Unchanged,

    /// <summary>The keys in use changed since the token was checked: worth checking it again.</summary>
    Changed,

    /// <summary>
    /// The provider did not answer the fetches since (they failed, or took longer than a request waits): whether it
    /// publishes the token's key now is not known.
    /// </summary>
    Unreachable,
}
