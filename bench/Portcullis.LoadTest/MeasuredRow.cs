namespace Portcullis.LoadTest;

/// <summary>A row to measure: what to load, the process whose CPU per call it reports, and its warm-up if not the run's.</summary>
internal sealed record MeasuredRow(LoadTarget Target, ManagedProcess Server, TimeSpan? Warmup = null);
