namespace Portcullis.Cli;

/// <summary>
/// A data dir a verb cannot create or read (a path through a file, a folder only the service's user may open): named on
/// standard error with exit 2, as <c>serve</c> names it, never an unhandled exception and its stack trace.
/// </summary>
internal static class DataDirProblems
{
    /// <summary>Whether <paramref name="exception"/> is the file system refusing the data dir, not a defect.</summary>
    public static bool Is(Exception exception) => exception is IOException or UnauthorizedAccessException;

    /// <summary>Names the problem and returns the exit code.</summary>
    public static int Report(string dataDir, Exception exception)
    {
        Console.Error.WriteLine($"The data dir {dataDir} cannot be used: {exception.Message}");
        return ConfigErrors.ExitCode;
    }
}
