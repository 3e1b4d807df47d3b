namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>How to start a stdio upstream, and the bounds its connection is read within.</summary>
/// <param name="Name">The connector's name.</param>
/// <param name="Command">The program to run.</param>
/// <param name="Arguments">Its arguments, each passed as one.</param>
/// <param name="WorkingDirectory">Where it runs; null for the gateway's own.</param>
/// <param name="Environment">Its whole environment (nothing of the gateway's is inherited).</param>
/// <param name="MaxLineBytes">The longest line of standard output read before the connection is closed.</param>
/// <param name="ShutdownTimeout">How long to wait for the process to exit once killed, or once its output ended.</param>
internal sealed record StdioLaunch(
    string Name,
    string Command,
    IReadOnlyList<string> Arguments,
    string? WorkingDirectory,
    IReadOnlyDictionary<string, string?> Environment,
    long MaxLineBytes,
    TimeSpan ShutdownTimeout);
