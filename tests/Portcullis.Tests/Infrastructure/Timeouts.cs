namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// The deadlines of the test suite, so no await can hang a run: every await on something outside the test (a
/// process, a server, a client call) goes through one of these, directly or through <see cref="Within"/>.
/// </summary>
internal static class Timeouts
{
    /// <summary>A gateway or server process from launch to ready (it builds nothing; upstreams start in it).</summary>
    public static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    /// <summary>One MCP or HTTP exchange, generous for a loaded 2-core machine.</summary>
    public static readonly TimeSpan Call = TimeSpan.FromSeconds(60);

    /// <summary>A process to exit after it was told to, or something to appear in a log.</summary>
    public static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);

    /// <summary>A token that cancels after <see cref="Call"/>, for APIs that take one.</summary>
    public static CancellationToken CallToken => new CancellationTokenSource(Call).Token;

    /// <summary>Fails with <see cref="TimeoutException"/> if <paramref name="task"/> does not finish in time.</summary>
    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Call);

    /// <summary>Fails with <see cref="TimeoutException"/> if <paramref name="task"/> does not finish in time.</summary>
    public static Task<T> Within<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Call);

    /// <summary>Fails with <see cref="TimeoutException"/> if <paramref name="task"/> does not finish in time.</summary>
    public static Task Within(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Call);

    /// <summary>Fails with <see cref="TimeoutException"/> if <paramref name="task"/> does not finish in time.</summary>
    public static Task Within(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Call);
}
