using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portcullis.Hosting;

/// <summary>
/// One gateway per data dir: an exclusive OS lock on <c>{data_dir}/portcullis.lock</c>, held for the life of the
/// process and released by the OS when it dies, so a second gateway cannot open the same idempotency store and
/// mistake the first one's calls in flight for those of a crashed process.
/// </summary>
/// <remarks>
/// The lock is <c>flock(LOCK_EX)</c> (FileShare.None on Unix): a process holding it blocks every other open, so who
/// holds it is written beside it, in <c>portcullis.owner.json</c>.
/// </remarks>
internal sealed class DataDirLock : IDisposable
{
    public const string LockFileName = "portcullis.lock";
    public const string HolderFileName = "portcullis.owner.json";

    private readonly FileStream _lock;
    private readonly string _holderPath;
    private readonly DateTimeOffset _startedAt;

    private DataDirLock(FileStream held, string holderPath, DateTimeOffset startedAt)
    {
        _lock = held;
        _holderPath = holderPath;
        _startedAt = startedAt;
    }

    /// <summary>Takes the lock, or returns null and a sentence naming the process that holds it.</summary>
    public static DataDirLock? TryAcquire(string dataDir, string listen, TimeProvider time, out string? holder)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, LockFileName);
        FileStream held;
        try
        {
            held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            holder = DescribeHolder(Path.Combine(dataDir, HolderFileName));
            return null;
        }

        holder = null;
        var acquired = new DataDirLock(held, Path.Combine(dataDir, HolderFileName), time.GetUtcNow());
        acquired.Describe(listen);
        return acquired;
    }

    /// <summary>Records this process and the URL it listens on (the bound one, once known) as the holder.</summary>
    public void Describe(string listen)
    {
        var holder = new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["listen"] = listen.TrimEnd('/'),
            ["started_at"] = _startedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }.ToJsonString();
        var temp = _holderPath + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temp, holder);
        File.Move(temp, _holderPath, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_holderPath);
        }
        catch (IOException)
        {
        }

        _lock.Dispose();
    }

    private static string DescribeHolder(string holderPath)
    {
        const string unknown = "a process that has not described itself yet";
        try
        {
            return JsonNode.Parse(File.ReadAllText(holderPath)) is JsonObject holder
                ? $"pid {holder["pid"]}, listening on {holder["listen"]}, started {holder["started_at"]}"
                : unknown;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return unknown;
        }
    }
}
