namespace Portcullis.Downstream;

/// <summary>What makes a POST body unreadable before it is parsed.</summary>
internal enum FrameProblem
{
    /// <summary>Not JSON at all.</summary>
    NotJson,

    /// <summary>JSON whose strings hold invalid UTF-8 or unpaired UTF-16 surrogates.</summary>
    BadText,

    /// <summary>Nested deeper than the MCP layer parses.</summary>
    TooDeep,
}
