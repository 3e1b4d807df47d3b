using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Relay;

/// <summary>
/// Forwards resources, prompts, completions and logging requests to a connector's upstream under its
/// allow-lists. What is not allowed is absent from lists and answers exactly as unknown.
/// </summary>
internal sealed partial class Passthrough(Audit.DecisionRecorder recorder, TimeProvider time, ILogger<Passthrough> logger)
{
    private static void RequireResource(Connector connector, McpServer downstream, string? uri)
    {
        if (!connector.Policy.AllowsUri(uri))
        {
            throw ResourceNotFound(downstream, uri);
        }
    }

    /// <summary>
    /// The same answer whether the upstream lacks the resource or policy hides it: -32002 for clients of
    /// 2025-11-25 and earlier, -32602 from 2026-07-28 (SEP-2164), with the URI in the error data.
    /// </summary>
    private static McpProtocolException ResourceNotFound(McpServer downstream, string? uri)
    {
        var code = string.CompareOrdinal(downstream.NegotiatedProtocolVersion, "2026-07-28") >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
        var error = new McpProtocolException($"Resource not found: '{uri}'", code);
        error.Data["uri"] = uri;
        return error;
    }

    private static DownstreamSession Session(Connector connector, McpServer server) =>
        connector.Relay.TryGetSession(server.SessionId, out var session)
            ? session
            : throw new McpProtocolException("Resource subscriptions need a session (protocol 2025-11-25 or earlier over a stateful transport).", McpErrorCode.InvalidRequest);

    private async ValueTask<T> ForwardAsync<TParams, T>(
        Connector connector,
        RequestContext<TParams> request,
        string method,
        Func<McpClient, CancellationToken, Task<T>> forward,
        CancellationToken cancellationToken)
        where TParams : RequestParams
    {
        if (connector.Upstream.Client is not { } client)
        {
            throw new McpException("The upstream server is not reachable right now; retry shortly.");
        }

        using var call = connector.Relay.Begin(request.Server, request.Params?.ProgressToken);
        try
        {
            return await forward(client, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceMissingException)
        {
            throw ResourceNotFound(request.Server, (request.Params as ReadResourceRequestParams)?.Uri);
        }
        catch (McpProtocolException ex)
        {
            // The upstream's code passes through; its message may name internals, so the gateway writes its own.
            Log.RelayUpstreamRefused(logger, connector.Name, method, (int)ex.ErrorCode);
            throw new McpProtocolException(SafeMessage(ex.ErrorCode), ex.ErrorCode);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RelayForwardFailed(logger, connector.Name, method, ex);
            throw new McpException("The upstream server is not reachable right now; retry shortly.");
        }
    }

    private static string SafeMessage(McpErrorCode code) => code switch
    {
        McpErrorCode.ResourceNotFound => "Resource not found.",
        McpErrorCode.InvalidParams => "Invalid parameters.",
        McpErrorCode.MethodNotFound => "The upstream server does not offer this method.",
        _ => "The upstream server rejected the request.",
    };
}
