namespace Portcullis.Core.Idempotency;

/// <summary>The <c>_meta</c> keys that mark a replayed result.</summary>
public static class ReplayMeta
{
    /// <summary><c>true</c> on a result returned from the idempotency store instead of the upstream.</summary>
    public const string Replay = "portcullis/replay";

    /// <summary>The correlation id of the call whose result is replayed.</summary>
    public const string OriginalCorrelationId = "portcullis/original_correlation_id";
}
