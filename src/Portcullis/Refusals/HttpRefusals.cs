using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Diagnostics;

namespace Portcullis.Refusals;

/// <summary>
/// Every refusal the gateway writes itself at the HTTP level goes through here: a catalog error with a fresh
/// correlation id, sent in the body and the <c>Portcullis-Correlation-Id</c> header and written in the log line
/// (malformed frames: sampled), and counted in <c>portcullis.refusals</c>.
/// </summary>
internal sealed class HttpRefusals(IProblemDetailsService problems, RefusalCounter counter, ILogger<HttpRefusals> logger)
{
    public const string CorrelationHeader = "Portcullis-Correlation-Id";

    /// <summary>
    /// Counts a JSON-RPC error the MCP layer answered itself (an unknown method, params it cannot read): a malformed
    /// frame too, counted and logged at most once per interval. The SDK's own warnings for these are filtered out.
    /// </summary>
    public void CountProtocolRefusal(string connector, int rpcCode)
    {
        var report = counter.Count(ErrorCatalog.InvalidRequest.Code, StatusCodes.Status200OK, malformed: true);
        if (report > 0)
        {
            GatewayLog.JunkRefused(logger, report, counter.Total, (int)RefusalCounter.ReportInterval.TotalSeconds, ErrorCatalog.InvalidRequest.Code,
                "JSON-RPC", "/mcp/" + connector, $"the MCP layer answered error {rpcCode}", CorrelationIds.Next());
        }
    }

    public async Task WriteAsync(HttpContext context, HttpRefusal refusal)
    {
        var correlationId = CorrelationIds.Next();
        var code = refusal.Error.Code.Code;
        var report = counter.Count(code, refusal.Status, refusal.Junk);
        if (!refusal.Junk)
        {
            GatewayLog.HttpRefused(logger, context.Request.Method, context.Request.Path, refusal.Status, code, refusal.Reason, correlationId);
        }
        else if (report > 0)
        {
            GatewayLog.JunkRefused(logger, report, counter.Total, (int)RefusalCounter.ReportInterval.TotalSeconds, code, context.Request.Method, context.Request.Path, refusal.Reason, correlationId);
        }

        var response = context.Response;
        response.StatusCode = refusal.Status;
        response.Headers[CorrelationHeader] = correlationId;
        if (refusal.Challenge is { } challenge)
        {
            response.Headers.WWWAuthenticate = challenge;
        }

        var envelope = ErrorEnvelope.ToJson(refusal.Error, correlationId);
        if (refusal.Body == RefusalBody.JsonRpc)
        {
            var error = new JsonObject { ["code"] = refusal.RpcCode, ["message"] = refusal.Error.Message };
            if (refusal.Envelope)
            {
                error["data"] = envelope;
            }

            response.ContentType = "application/json";
            var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = refusal.RpcId?.DeepClone(), ["error"] = error };
            await response.WriteAsync(body.ToJsonString(), context.RequestAborted);
            return;
        }

        var details = new ProblemDetails
        {
            Status = refusal.Status,
            Title = ReasonPhrases.GetReasonPhrase(refusal.Status),
            Detail = refusal.Error.Message,
        };
        details.Extensions["error"] = envelope["error"];
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details });
    }
}
