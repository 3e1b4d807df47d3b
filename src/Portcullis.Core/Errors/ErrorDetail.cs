namespace Portcullis.Core.Errors;

/// <summary>One specific problem, located by a JSON Pointer into the arguments.</summary>
public sealed record ErrorDetail(string Path, string Keyword, string Message);
