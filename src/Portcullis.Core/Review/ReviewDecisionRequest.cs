namespace Portcullis.Core.Review;

/// <summary>One reviewer decides on one review.</summary>
/// <param name="Id">The review.</param>
/// <param name="Reviewer">The reviewer's subject (in caller mode, the caller's).</param>
/// <param name="Approve">True to approve, false to deny.</param>
/// <param name="Reason">Why, shown to the agent on a denial and kept with the review.</param>
/// <param name="Now">The current time; stores never read a clock of their own.</param>
/// <param name="Retention">Held records created longer ago count as absent.</param>
public sealed record ReviewDecisionRequest(string Id, string Reviewer, bool Approve, string? Reason, DateTimeOffset Now, TimeSpan Retention)
{
    /// <summary>
    /// The mode the decider decides in (<see cref="Configuration.ReviewModes"/>); a review held in another mode is not
    /// decided (<see cref="ReviewDecisionStatus.OtherMode"/>). Null decides in either mode.
    /// </summary>
    public string? Mode { get; init; }
}
