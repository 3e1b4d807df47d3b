namespace Portcullis.Core.Upstreams.Http;

/// <summary>How one upstream answer is counted against <c>limits.max_result_bytes</c>.</summary>
/// <param name="Bytes">The limit.</param>
/// <param name="PerEvent">An event stream: each event counts on its own; otherwise the body counts whole.</param>
/// <param name="OnCut">Called once when the limit stops the answer, for a stream no call answers for.</param>
internal sealed record AnswerLimit(long Bytes, bool PerEvent, Action? OnCut = null);
