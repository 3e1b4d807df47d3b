namespace Portcullis.Core.Diagnostics;

/// <summary>
/// Counts the requests the gateway refuses at the HTTP level (metric <c>portcullis.http.refusals</c>, by stage and
/// code; counted here and nowhere else).
/// </summary>
internal sealed class RefusalCounter(GatewayTelemetry telemetry)
{
    private long _total;

    /// <summary>Every refusal counted since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one refusal.</summary>
    public void Count(string stage, string code)
    {
        telemetry.HttpRefusals.Add(1, new("stage", stage), new("code", code));
        Interlocked.Increment(ref _total);
    }
}
