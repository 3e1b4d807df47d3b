using Microsoft.Extensions.Logging.Abstractions;

namespace Portcullis.Admin;

/// <summary>
/// The gateway's loggers, for the admin plane's own host: all but the host's internal messages. Its start failing (the
/// admin listener's address in use) fails the gateway's start, whose host logs it once; the admin plane's would say
/// it a second time.
/// </summary>
internal sealed class AdminLoggers(ILoggerFactory gateway) : ILoggerFactory
{
    private const string HostInternals = "Microsoft.Extensions.Hosting.Internal.Host";

    public ILogger CreateLogger(string categoryName) =>
        categoryName == HostInternals ? NullLogger.Instance : gateway.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => gateway.AddProvider(provider);

    /// <summary>The gateway's factory is the gateway's to dispose.</summary>
    public void Dispose()
    {
    }
}
