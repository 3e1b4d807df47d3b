namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// Waits for something observable by looking again until it holds: a file a fixture writes, an HTTP status. Every
/// wait has a deadline and says what it waited for when it ran out.
/// </summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(_ => Task.FromResult(condition()), timeout, what);

    public static Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, string what) =>
        UntilAsync(condition, timeout, () => what);

    /// <summary>Waits until <paramref name="condition"/> holds; <paramref name="what"/> is read only when the time runs out.</summary>
    public static async Task UntilAsync(Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (!await condition(deadline.Token))
            {
                await Task.Delay(Interval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {timeout} for {what()}.");
        }
    }
}
