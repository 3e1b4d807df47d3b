namespace Portcullis.LoadTest;

/// <summary>
/// A row to measure: what to load, the process whose CPU per call it reports, its warm-up if not the run's, and the
/// command name of a state store's server processes whose CPU per call it reports too.
/// </summary>
internal sealed record MeasuredRow(LoadTarget Target, ManagedProcess Server, TimeSpan? Warmup = null, string? StoreCommand = null);
