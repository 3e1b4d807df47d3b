using Portcullis.Core.Configuration;

namespace Portcullis.Core.Pins;

/// <summary>The outcome of reading a lock file: absent, unreadable (with every problem), or read.</summary>
internal sealed record LockFileRead(string Path, LockFile? File, IReadOnlyList<ConfigError> Errors)
{
    public bool Exists => File is not null || Errors.Count > 0;
}
