using Microsoft.Extensions.Logging;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Pins;

/// <summary>
/// Watches the lock file and, once it has been quiet for <see cref="Debounce"/>, reloads the pins and rebuilds every
/// connector's catalog from its last upstream list: <c>portcullis pin --accept</c> takes effect without a restart.
/// </summary>
internal sealed class PinReloader(PinRegistry pins, ConnectorRegistry connectors, TimeProvider time, ILogger<PinReloader> logger) : IDisposable
{
    /// <summary>How long the file must stay unchanged before it is read: an editor or a copy writes in several steps.</summary>
    internal static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private FileSystemWatcher? _watcher;
    private ITimer? _timer;

    public void Start()
    {
        var directory = Path.GetDirectoryName(pins.Path);
        if (string.IsNullOrEmpty(pins.Path) || directory is null || !Directory.Exists(directory))
        {
            return;
        }

        _timer = time.CreateTimer(_ => _ = ReloadAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var name = Path.GetFileName(pins.Path);
        _watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, e) => Touched(e.Name, name);
        _watcher.Created += (_, e) => Touched(e.Name, name);
        _watcher.Deleted += (_, e) => Touched(e.Name, name);
        _watcher.Renamed += (_, e) => Touched(e.Name, name);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>
    /// The lock file itself, or the <c>..data</c> link (and its dated folders) through which Kubernetes mounts a ConfigMap
    /// or Secret: an update swaps that link in one rename and never touches a file of the lock file's name.
    /// </summary>
    private static bool Concerns(string? changed, string lockFileName) =>
        changed is not null && (changed == lockFileName || changed.StartsWith("..", StringComparison.Ordinal));

    /// <summary>Reloads now and rebuilds the catalogs when new pins are in force.</summary>
    public async Task ReloadAsync()
    {
        try
        {
            await _reloading.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            var before = pins.Current;
            if (pins.Reload())
            {
                await Task.WhenAll(connectors.All.Select(c => c.Catalog.ReapplyAsync(_stopping.Token))).ConfigureAwait(false);
                var after = pins.Current;
                foreach (var connector in connectors.All)
                {
                    // Prompts and resources are checked against the pins as they pass, so their lists change with the pins:
                    // sessions are told when this connector's pins of that kind changed (tools: by the catalog rebuild).
                    connector.Relay.NotifyPassthroughChanged(
                        prompts: !LockFile.SameSection(before, after, connector.Name, PinKind.Prompt),
                        resources: !LockFile.SameSection(before, after, connector.Name, PinKind.Resource)
                            || !LockFile.SameSection(before, after, connector.Name, PinKind.ResourceTemplate));
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.PinsReloadFailed(logger, pins.Path, ex);
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _timer?.Dispose();
        // Not disposed: a reload the timer started may still be looking at it.
        _stopping.Cancel();
    }

    private void Touched(string? changed, string lockFileName)
    {
        if (Concerns(changed, lockFileName))
        {
            _timer?.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }
}
