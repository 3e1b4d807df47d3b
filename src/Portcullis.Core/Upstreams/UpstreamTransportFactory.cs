using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Portcullis.Core.Configuration;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Upstreams.Stdio;

namespace Portcullis.Core.Upstreams;

/// <summary>Builds the client transport for a connector's upstream, stdio or Streamable HTTP.</summary>
internal sealed class UpstreamTransportFactory(GatewayConfig gateway, ConnectorConfig connector, HttpClient? httpClient, TimeProvider time, ILoggerFactory loggerFactory)
{
    private readonly StderrRelay _stderr = new(connector.Server, time, loggerFactory.CreateLogger("Portcullis.Upstream"));
    private readonly StrayStdoutLines _strayStdout = new(connector.Server, time, loggerFactory.CreateLogger("Portcullis.Upstream"));
    private readonly UnreadableMessages _unreadable = new(connector.Server, time, loggerFactory.CreateLogger("Portcullis.Upstream"));
    private readonly ILogger _logger = loggerFactory.CreateLogger("Portcullis.Upstream");

    /// <summary>Reports the upstream's requests the gateway did not take up, over every start of the upstream.</summary>
    public DroppedUpstreamRequests DroppedRequests { get; } = new(connector.Server, time, loggerFactory.CreateLogger("Portcullis.Upstream"));

    /// <summary>
    /// The longest line a stdio upstream may write to standard output: room for an answer at <c>limits.max_result_bytes</c>
    /// (refused after reading, as an answer over the limit) with its JSON escaping, and beyond that the connection closes.
    /// </summary>
    private long StdoutLineLimit => (2 * gateway.Limits.MaxResultBytes) + (1024 * 1024);

    /// <summary>Logs what the upstream's output reports still hold: once it has stopped for good.</summary>
    public void FlushReports()
    {
        _stderr.Flush();
        _strayStdout.Flush();
        _unreadable.Flush();
        DroppedRequests.Flush();
    }

    public IClientTransport Create()
    {
        var upstream = connector.Upstream;
        if (upstream.IsStdio)
        {
            if (UpstreamLaunch.FindMissing(upstream) is { } missing)
            {
                throw new UpstreamLaunchException("cannot start: " + missing);
            }

            return new StdioUpstreamTransport(
                new StdioLaunch(connector.Server, upstream.Command!, upstream.Args, upstream.WorkingDir, Environment(), StdoutLineLimit, TimeSpan.FromSeconds(2)),
                _stderr.Line,
                _strayStdout.Line,
                TransportLoggers());
        }

        return new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Name = connector.Server,
                Endpoint = new Uri(upstream.Url!),
                TransportMode = HttpTransportMode.StreamableHttp,
                ConnectionTimeout = TimeSpan.FromSeconds(upstream.ConnectTimeoutSeconds),
            },
            httpClient ?? throw new InvalidOperationException("An HTTP upstream needs an HttpClient."),
            TransportLoggers(),
            ownsHttpClient: false);
    }

    /// <summary>The SDK transport's loggers: the messages it skips as unreadable are reported, not hidden.</summary>
    private UnreadableMessageLoggerFactory TransportLoggers() => new(loggerFactory, _unreadable.Skipped);

    /// <summary>The child's environment: a minimal default set plus what the config names, never the gateway's own.</summary>
    private Dictionary<string, string?> Environment()
    {
        var environment = StdioClientTransportOptions.GetDefaultEnvironmentVariables();
        foreach (var name in new[] { "DOTNET_ROOT", "DOTNET_CLI_HOME", "NUGET_PACKAGES" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in connector.Upstream.Env)
        {
            if (!SecretReference.TryParse(value, out var reference))
            {
                environment[name] = value.Replace("{data_dir}", gateway.DataDir, StringComparison.Ordinal);
                continue;
            }

            // serve refuses to start without it; a file gone since (or lint and pin, which start without secrets) says so.
            environment[name] = reference.Resolve(gateway.BaseDirectory, out var absence);
            if (environment[name] is null)
            {
                Log.UpstreamEnvSecretMissing(_logger, connector.Server, name, reference.ToString(), absence);
            }
        }

        return environment;
    }
}
