namespace Portcullis.Core.Lint;

/// <summary>How much a finding matters: errors fail <c>lint</c> (exit 2), warnings fail it with <c>--strict</c> (exit 1).</summary>
internal enum LintSeverity
{
    /// <summary>Tells what was not checked; never changes the exit code.</summary>
    Info,

    /// <summary>A loose setting the reference article's hardened column would not have.</summary>
    Warning,

    /// <summary>Something <c>serve</c> refuses or keeps from agents, a tool that drifted from its pin, or a check that could not be made.</summary>
    Error,
}
