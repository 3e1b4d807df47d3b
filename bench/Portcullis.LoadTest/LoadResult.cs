namespace Portcullis.LoadTest;

/// <summary>What one load run measured, or several runs of the same row taken together (<see cref="Passes"/>).</summary>
/// <param name="Replays">Calls answered from the idempotency store as replays of an earlier call.</param>
/// <param name="StoreCpuMsPerCall">CPU per call of the state store's server processes (Redis, PostgreSQL), when measured.</param>
/// <param name="UpstreamCpuMsPerCall">CPU per call of the upstream answering the calls (the fixture, a proxy's children), when measured.</param>
/// <param name="LoadCpuMsPerCall">CPU per call of this load tool itself: its clients, their connections and parsing.</param>
internal sealed record LoadResult(string Name, int Clients, long Calls, long Errors, TimeSpan Duration, double P50Ms, double P90Ms, double P99Ms, string? FirstError, double? CpuMsPerCall = null, double? MachineBusyCores = null, Settling? Settled = null, long Replays = 0, double? StoreCpuMsPerCall = null, double? UpstreamCpuMsPerCall = null, double? LoadCpuMsPerCall = null)
{
    public double Throughput => Calls / Duration.TotalSeconds;

    /// <summary>KiB the process under test allocated per call (a .NET process only), from its runtime's counters.</summary>
    public double? KibPerCall { get; init; }

    /// <summary>How many measured runs this row is made of.</summary>
    public int Passes { get; init; } = 1;

    /// <summary>
    /// Runs of one row as one: calls, errors and time add up, so throughput, CPU per call and the machine's busy
    /// cores are those of all the calls together; a percentile cannot be merged from the runs', so it is their mean.
    /// </summary>
    public LoadResult With(LoadResult other) => this with
    {
        Calls = Calls + other.Calls,
        Errors = Errors + other.Errors,
        Replays = Replays + other.Replays,
        Duration = Duration + other.Duration,
        P50Ms = Mean(P50Ms, other.P50Ms, other.Passes),
        P90Ms = Mean(P90Ms, other.P90Ms, other.Passes),
        P99Ms = Mean(P99Ms, other.P99Ms, other.Passes),
        FirstError = FirstError ?? other.FirstError,
        CpuMsPerCall = PerCall(CpuMsPerCall, other.CpuMsPerCall, other.Calls),
        KibPerCall = PerCall(KibPerCall, other.KibPerCall, other.Calls),
        StoreCpuMsPerCall = PerCall(StoreCpuMsPerCall, other.StoreCpuMsPerCall, other.Calls),
        UpstreamCpuMsPerCall = PerCall(UpstreamCpuMsPerCall, other.UpstreamCpuMsPerCall, other.Calls),
        LoadCpuMsPerCall = PerCall(LoadCpuMsPerCall, other.LoadCpuMsPerCall, other.Calls),
        MachineBusyCores = MachineBusyCores is { } m && other.MachineBusyCores is { } n
            ? ((m * Duration.TotalSeconds) + (n * other.Duration.TotalSeconds)) / (Duration + other.Duration).TotalSeconds
            : null,
        Passes = Passes + other.Passes,
    };

    private double? PerCall(double? mine, double? theirs, long theirCalls) =>
        mine is { } a && theirs is { } b ? ((a * Calls) + (b * theirCalls)) / (Calls + theirCalls) : null;

    private double Mean(double mine, double theirs, int theirPasses) => ((mine * Passes) + (theirs * theirPasses)) / (Passes + theirPasses);
}
