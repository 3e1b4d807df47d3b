using System.Security.Cryptography;
using System.Text;

namespace Portcullis.Core.Pins;

/// <summary>
/// One <c>portcullis pin</c> at a time per lock file: each reads the file, lists the upstreams and writes the file, and
/// two at once would each write what it read, so one's acceptance would be lost while both reported it written. The
/// turn is an exclusive lock on a file in the temporary folder named after the lock file's full path (the lock file's
/// own folder is often a repository).
/// </summary>
internal sealed class LockFileTurn : IDisposable
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _held;

    private LockFileTurn(FileStream held) => _held = held;

    /// <summary>Waits, at most <paramref name="timeout"/>, for the turn on <paramref name="lockFilePath"/>; null when another run keeps it.</summary>
    public static async Task<LockFileTurn?> TakeAsync(string lockFilePath, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(lockFilePath))))[..32];
        var turnPath = Path.Combine(Path.GetTempPath(), $"portcullis-pin-{name}.turn");
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            try
            {
                return new LockFileTurn(new FileStream(turnPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (time.GetUtcNow() < deadline)
            {
                await Task.Delay(Pause, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Kept by another run past the timeout, or a turn file of another user's that this one may not open.
                return null;
            }
        }
    }

    public void Dispose() => _held.Dispose();
}
