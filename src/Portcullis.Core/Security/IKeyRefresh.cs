namespace Portcullis.Core.Security;

/// <summary>
/// A source of the identity provider's signing keys that can fetch them again while a request waits: for a token
/// signed with a key it does not know yet, which the provider may have published since the last fetch.
/// </summary>
internal interface IKeyRefresh
{
    /// <summary>Taken before a token is validated: the keys it will be checked against, and the fetches begun so far.</summary>
    KeyMark Mark { get; }

    /// <summary>Whether any signing keys are in hand: false until a fetch first succeeds.</summary>
    bool HasKeys { get; }

    /// <summary>How long until a fetch of the keys may next begin (zero when one may now): what a caller refused for want of them is told to wait.</summary>
    TimeSpan UntilNextFetch { get; }

    /// <summary>
    /// Whether a token refused for an unknown key, validated at <paramref name="validatedAt"/>, is worth validating
    /// again: <see cref="KeyRefreshOutcome.Changed"/> when the keys in use changed since, as read by a fetch begun after
    /// that mark (IdentityModel's own refresh after the refusal, another request's, or one this starts, unless the last
    /// fetch for an unknown key is too recent); <see cref="KeyRefreshOutcome.Unreachable"/> when they did not and the
    /// provider's last answer was a failure, or no answer came within the wait.
    /// </summary>
    Task<KeyRefreshOutcome> RefreshForUnknownKeyAsync(KeyMark validatedAt);
}
