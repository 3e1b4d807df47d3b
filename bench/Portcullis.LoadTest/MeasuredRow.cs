namespace Portcullis.LoadTest;

/// <summary>
/// A row to measure: what to load, the process whose CPU per call it reports, its warm-up if not the run's, the
/// command name of a state store's server processes whose CPU per call it reports too, and how to read the CPU seconds
/// of the upstream that answers its calls (the fixture over HTTP, a stdio proxy's children), reported too.
/// </summary>
internal sealed record MeasuredRow(LoadTarget Target, ManagedProcess Server, TimeSpan? Warmup = null, string? StoreCommand = null, Func<double>? UpstreamCpuSeconds = null);
