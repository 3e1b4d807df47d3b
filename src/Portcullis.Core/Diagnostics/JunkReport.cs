namespace Portcullis.Core.Diagnostics;

/// <summary>How many malformed requests were refused since the last report, and the latest of them.</summary>
internal readonly record struct JunkReport(long Count, JunkRefusal Latest);
