namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>A stdio upstream's process, as its connection sees it: three pipes, an exit, and a kill.</summary>
internal interface IUpstreamProcess : IDisposable
{
    /// <summary>Its process id.</summary>
    int Id { get; }

    /// <summary>Its standard input.</summary>
    Stream Input { get; }

    /// <summary>Its standard output.</summary>
    Stream Output { get; }

    /// <summary>Its standard error.</summary>
    Stream Error { get; }

    /// <summary>Whether it has ended.</summary>
    bool HasExited { get; }

    /// <summary>How it ended (128 plus the signal's number when a signal ended it); null while it runs, or when not known.</summary>
    int? ExitCode { get; }

    /// <summary>Completes when it has ended.</summary>
    Task WaitForExitAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Kills it and what it started: its process tree while it lives (also processes that left its group), then its
    /// process group where it leads one (those whose parent had exited, out of the tree's reach).
    /// </summary>
    void Kill();
}
