using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Portcullis.Core.Configuration;
using Portcullis.Core.Relay;
using Portcullis.Core.Tools;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Connectors;

/// <summary>All connectors of the gateway, by name, and the lifetime of their upstreams.</summary>
internal sealed class ConnectorRegistry
{
    /// <summary>Beyond the connect timeout, the time a first attempt may take to list the upstream's tools.</summary>
    private static readonly TimeSpan FirstAttemptMargin = TimeSpan.FromSeconds(10);

    private readonly FrozenDictionary<string, Connector> _connectors;
    private readonly List<UpstreamTransportFactory> _transports = [];

    public ConnectorRegistry(
        GatewayConfig config, Func<ConnectorConfig, HttpClient?> httpClients, ToolSchemaBuilder schemas, Pins.PinRegistry pins, TimeProvider time, ILoggerFactory loggerFactory, SessionLogLevels? levels = null)
    {
        var logger = loggerFactory.CreateLogger("Portcullis.Connector");
        _connectors = config.Connectors
            .Select(c =>
            {
                var transports = new UpstreamTransportFactory(config, c, c.Upstream.IsStdio ? null : httpClients(c), time, loggerFactory);
                _transports.Add(transports);
                var relay = new ConnectorRelay(c.Server, time, loggerFactory.CreateLogger("Portcullis.Relay"), levels);
                var supervisor = new UpstreamSupervisor(c.Server, () => new InOrderClientTransport(transports.Create(), relay.Take, transports.DroppedRequests.Dropped, time), time, loggerFactory, options =>
                {
                    relay.ConfigureClient(options);
                    options.ProtocolVersion = c.Upstream.PinnedProtocolVersion;
                    options.InitializationTimeout = TimeSpan.FromSeconds(c.Upstream.ConnectTimeoutSeconds);
                }, c.Upstream.Display, TimeSpan.FromSeconds(c.Upstream.ConnectTimeoutSeconds), TimeSpan.FromSeconds(c.Upstream.PingIntervalSeconds),
                config.Limits.MaxResultBytes);
                return new Connector(c, supervisor, relay, schemas, pins, logger);
            })
            .ToFrozenDictionary(c => c.Name, StringComparer.Ordinal);
    }

    public IEnumerable<Connector> All => _connectors.Values;

    public bool TryGet(string name, out Connector connector) => _connectors.TryGetValue(name, out connector!);

    /// <summary>
    /// Runs every upstream supervisor until <paramref name="cancellationToken"/> fires; then logs what the upstreams'
    /// paced output reports still held (stderr lines over the budget, stray stdout lines, dropped requests).
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_connectors.Values.Select(c => Task.Run(() => c.Upstream.RunAsync(cancellationToken), CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            foreach (var transports in _transports)
            {
                transports.FlushReports();
            }
        }
    }

    /// <summary>
    /// Waits until each upstream's first attempt has finished (connected and listed, or failed), or the longest
    /// connect timeout plus a margin has passed; true when every first attempt finished.
    /// </summary>
    public async Task<bool> FirstAttemptsAsync(CancellationToken cancellationToken)
    {
        var bound = TimeSpan.FromSeconds(_connectors.Values.Max(c => c.Config.Upstream.ConnectTimeoutSeconds)) + FirstAttemptMargin;
        try
        {
            await Task.WhenAll(_connectors.Values.Select(c => c.Upstream.FirstAttempt)).WaitAsync(bound, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
