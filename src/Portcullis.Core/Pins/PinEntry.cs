namespace Portcullis.Core.Pins;

/// <summary>One line of <c>portcullis pin</c>'s report.</summary>
internal sealed record PinEntry(string Connector, PinKind Kind, string Name, PinOutcome Outcome, IReadOnlyList<string> Changed, string Sha256)
{
    /// <summary>True while the definition stays withheld by <c>serve</c>.</summary>
    public bool NeedsReview => Outcome is PinOutcome.Drifted or PinOutcome.Tampered or PinOutcome.Unpinned;

    /// <summary>True while serve withholds the definition, whether or not a review could change that.</summary>
    public bool Withheld => NeedsReview || Outcome is PinOutcome.ListedTwice or PinOutcome.NotIJson;
}
