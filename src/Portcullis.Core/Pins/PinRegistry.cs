using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Pins;

/// <summary>
/// The pins in force: read from the lock file at start-up and again whenever it changes. Pins are on when the lock file
/// exists at start-up (or appears later), or when <c>pins.file</c> names it. Once on, they stay on: a lock file that
/// becomes unreadable, invalid or absent keeps the previous pins in force (and logs an error), never opens the gate.
/// </summary>
internal sealed class PinRegistry
{
    private readonly ILogger _logger;
    private volatile LockFile? _current;

    public PinRegistry(GatewayConfig config, ILogger<PinRegistry> logger)
    {
        _logger = logger;
        Path = LockFile.PathFor(config);
        var read = LockFileReader.Read(Path);
        _current = read.File;
        var errors = new List<ConfigError>(read.Errors);
        if (!read.Exists && config.Pins.File is not null)
        {
            errors.Add(new ConfigError("$.pins.file", LockFile.MissingMessage(Path)));
        }

        StartupErrors = errors;
    }

    private PinRegistry()
    {
        _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        Path = "";
        StartupErrors = [];
    }

    /// <summary>Pins never on: for <c>lint</c> and <c>pin</c>, which compare the upstreams with the lock file themselves.</summary>
    public static PinRegistry Off() => new();

    /// <summary>The lock file's full path.</summary>
    public string Path { get; }

    /// <summary>What refuses the start: the lock file is invalid, or <c>pins.file</c> names one that does not exist.</summary>
    public IReadOnlyList<ConfigError> StartupErrors { get; }

    /// <summary>The pins in force, or null while pins are off.</summary>
    public LockFile? Current => _current;

    /// <summary>The lock file's name, as messages show it.</summary>
    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Reads the lock file again; true when new pins are in force (the catalogs must then be rebuilt).</summary>
    public bool Reload()
    {
        if (Path.Length == 0)
        {
            return false;
        }

        var read = LockFileReader.Read(Path);
        if (read.File is not { } file)
        {
            if (read.Errors.Count > 0)
            {
                Log.PinsReloadRefused(_logger, Path, string.Join("; ", read.Errors.Select(e => $"{e.Path}: {e.Message}")));
            }
            else if (_current is not null)
            {
                Log.PinsReloadRefused(_logger, Path, "the file is gone");
            }

            return false;
        }

        _current = file;
        Log.PinsReloaded(_logger, Path, file.Count);
        return true;
    }
}
