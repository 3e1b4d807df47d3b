using System.Threading.RateLimiting;

namespace Portcullis.Core.RateLimiting;

/// <summary>The lease every fixed-window limiter of the gateway hands out: granted, or refused with the time left in the window.</summary>
public sealed class FixedWindowLease : RateLimitLease
{
    private readonly TimeSpan? _retryAfter;

    private FixedWindowLease(bool acquired, TimeSpan? retryAfter)
    {
        IsAcquired = acquired;
        _retryAfter = retryAfter;
    }

    /// <summary>A granted lease; one instance serves every grant.</summary>
    public static RateLimitLease Granted { get; } = new FixedWindowLease(true, null);

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => _retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    /// <summary>A refusal whose Retry-After is the time left until the caller's window renews.</summary>
    public static RateLimitLease Refused(TimeSpan retryAfter) => new FixedWindowLease(false, retryAfter);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = _retryAfter;
        return _retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
    }
}
