namespace Portcullis.Refusals;

/// <summary>A malformed request the gateway refused, as the report of the requests refused since the last one names it.</summary>
internal sealed record JunkRefusal(string Code, string Method, string Path, string Reason, string CorrelationId);
