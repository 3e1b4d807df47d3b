namespace Portcullis.Tests.Conformance;

/// <summary>How a Node program ended: its exit code, its standard output, and both streams interleaved.</summary>
internal sealed record NodeRun(int ExitCode, string Stdout, string Output);
