namespace Portcullis.Core.Upstreams.Http;

/// <summary>When an HTTP upstream's circuit opens, and for how long.</summary>
internal sealed record UpstreamBreakerOptions(double FailureRatio, int MinimumThroughput, TimeSpan SamplingDuration, TimeSpan BreakDuration)
{
    public static readonly UpstreamBreakerOptions Default = new(0.5, 5, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}
