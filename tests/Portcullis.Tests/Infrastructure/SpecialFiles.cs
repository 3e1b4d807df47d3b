namespace Portcullis.Tests.Infrastructure;

/// <summary>Files a path may name that are not the small regular file a reader expects: a FIFO, a sparse file too big to read.</summary>
internal static class SpecialFiles
{
    /// <summary>Makes a FIFO at <paramref name="path"/> (<c>mkfifo</c>): a reader that opens it waits for a writer for ever.</summary>
    public static async Task MakeFifoAsync(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path])!;
        await mkfifo.WaitForExitAsync().WaitAsync(Timeouts.Exit);
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Makes a sparse file of 64 MiB at <paramref name="path"/> whose first bytes are <paramref name="start"/>: only its size is wrong.</summary>
    public static void MakeHuge(string path, ReadOnlySpan<byte> start)
    {
        using var file = File.Create(path);
        file.Write(start);
        file.SetLength(64L * 1024 * 1024);
    }
}
