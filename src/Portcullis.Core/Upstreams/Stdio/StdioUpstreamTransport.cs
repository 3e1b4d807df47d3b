using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Portcullis.Core.Upstreams.Stdio;

/// <summary>
/// Starts a stdio upstream and connects to it through the MCP SDK's stream transport, reading both of its output
/// streams within bounds: standard output a line of at most <see cref="LineLimitStream.MaxLineBytes"/> at a time,
/// standard error in lines cut at <see cref="StderrLines.MaxLineBytes"/> (the SDK's own stdio transport reads both a
/// line whole, however long). A standard output line that cannot be JSON-RPC goes to <c>strayStdoutLine</c>. A message
/// to the upstream is one write to its standard input (<see cref="MessageWriteStream"/>).
/// </summary>
internal sealed class StdioUpstreamTransport(StdioLaunch launch, Action<string> stderrLine, Action<string> strayStdoutLine, ILoggerFactory loggerFactory) : IClientTransport
{
    public string Name => launch.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var process = UpstreamProcesses.Start(launch);
        var stderr = StderrLines.PumpAsync(process.Error, stderrLine, CancellationToken.None);
        // The SDK's stream transport only wraps the streams (it starts nothing that could fail), so the process is not
        // left behind by a failure here.
        var output = new LineLimitStream(process.Output, launch.MaxLineBytes, strayStdoutLine);
        var input = new MessageWriteStream(process.Input);
        var inner = await new StreamClientTransport(input, output, loggerFactory)
            .ConnectAsync(CancellationToken.None).ConfigureAwait(false);
        return new StdioUpstreamSession(inner, process, stderr, launch.ShutdownTimeout);
    }
}
