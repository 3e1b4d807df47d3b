namespace Portcullis.Core.Upstreams;

/// <summary>A snapshot of an upstream's health, without secrets.</summary>
/// <param name="State">Where the connection stands.</param>
/// <param name="Restarts">How many times the upstream was started again: after its connection ended, or after an attempt that failed.</param>
/// <param name="FailedStarts">How many attempts failed before the upstream was connected and had listed its tools (it could not be started, exited, or did not answer or list in time).</param>
/// <param name="NextAttemptAt">When the next attempt is due, while restarting.</param>
/// <param name="LastError">What went wrong last.</param>
public sealed record UpstreamStatus(UpstreamState State, int Restarts, int FailedStarts, DateTimeOffset? NextAttemptAt, UpstreamFailure? LastError);
