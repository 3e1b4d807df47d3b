namespace Portcullis.Core.Review;

/// <summary>Where a review stands, as judged at a given time (pending past its deadline is expired).</summary>
public enum ReviewState
{
    Pending,
    Approved,
    Denied,
    Expired,
}
