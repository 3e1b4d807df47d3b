namespace Portcullis.Core.Upstreams;

/// <summary>What went wrong with an upstream, in words, two ways: each without credentials and at most <see cref="UpstreamErrorText.MaxStatusLength"/> characters.</summary>
/// <param name="Text">For the log's readers and the admin API: the failure as it was said, the upstream's address and its own words included.</param>
/// <param name="ForProbes">For <c>/readyz</c>, which answers without a token: no address, and nothing the upstream wrote itself.</param>
public sealed record UpstreamFailure(string Text, string ForProbes)
{
    /// <summary>A failure the gateway itself names, the same for every reader.</summary>
    public static UpstreamFailure Said(string text) => new(text, text);

    public static UpstreamFailure Of(Exception exception) => new(UpstreamErrorText.ForStatus(exception), UpstreamErrorText.ForProbes(exception));
}
