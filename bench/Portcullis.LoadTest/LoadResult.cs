namespace Portcullis.LoadTest;

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(string Name, int Clients, long Calls, long Errors, TimeSpan Duration, double P50Ms, double P90Ms, double P99Ms, string? FirstError, double? CpuMsPerCall = null, double? MachineBusyCores = null, Settling? Settled = null)
{
    public double Throughput => Calls / Duration.TotalSeconds;
}

