using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Refusals;

namespace Portcullis.Downstream;

/// <summary>
/// Reads each MCP POST body once, before the MCP layer, and answers itself what the MCP layer would answer badly or
/// not at all: an <c>Accept</c> without both JSON and event streams gets 406; a <c>Content-Type</c> charset other than UTF-8, or a <c>Content-Encoding</c> other than identity, gets 415 (a <c>Transfer-Encoding</c> other than chunked 501), and an <c>initialize</c> within a session or
/// any other request of a revision with sessions that names none (a GET or DELETE too) 400 (invalid request, -32600), a GET or
/// DELETE of a revision without sessions 405; a body over <c>limits.max_body_bytes</c> or nested deeper than the MCP layer parses gets HTTP 413 with
/// <c>payload_too_large</c>; a body that is not clean JSON text (invalid UTF-8, unpaired surrogates) gets a parse
/// error (-32700); one that is not a JSON-RPC message, or repeats a member name in one object, gets invalid request
/// (-32600, or invalid params when the repeat is inside params); a <c>tools/call</c> whose
/// params are not the right shape, or another request whose params the MCP layer could not read
/// (<see cref="RequestParamsCheck"/>), gets invalid params (-32602); an <c>initialize</c> asking for a revision
/// without sessions gets the MCP layer's own -32022, before it opens a session for it. The last four are malformed
/// frames: counted, and logged at most once per interval; so is what the MCP layer's transport refuses after it. What it found is left in a <see cref="JsonRpcRequestFeature"/> and the
/// body is handed on untouched.
/// </summary>
internal sealed class JsonRpcRequestMiddleware(RequestDelegate next, ConnectorRegistry connectors, GatewayConfig config, HttpRefusals refusals)
{
    /// <summary>The SDK reads JSON-RPC bodies with System.Text.Json's default MaxDepth of 64.</summary>
    public const int TransportMaxDepth = 64;

    /// <summary>
    /// A member name twice in one object is refused: parsers disagree on which value counts, and the MCP layer's own
    /// JSON objects throw on it (an anonymous -32603) once a handler reads them.
    /// </summary>
    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = TransportMaxDepth + 2, AllowDuplicateProperties = false };

    /// <summary>The largest <c>initialize</c> request taken: its client info and capabilities are kept as long as its session.</summary>
    internal const int MaxHandshakeBytes = 64 * 1024;

    private static readonly JsonDocumentOptions Lenient = new() { MaxDepth = TransportMaxDepth + 2 };

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private static readonly MediaTypeHeaderValue EventStream = new("text/event-stream");

    /// <summary>C0, DEL and C1: what <see cref="char.IsControl(char)"/> calls a control character.</summary>
    private static readonly System.Buffers.SearchValues<char> ControlCharacters = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), .. Enumerable.Range(0x7f, 0x21).Select(c => (char)c)]);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetRouteValue("server") is not string server || !connectors.TryGet(server, out _))
        {
            await next(context);
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            if (RequestParamsCheck.WithoutSessions(context.Request))
            {
                // From 2026-07-28 on there is no event stream to open and no session to end: the MCP layer's own 405
                // carries no envelope and no correlation id, and is neither counted nor logged.
                context.Response.Headers.Allow = "POST";
                await refusals.WriteAsync(context, new HttpRefusal(StatusCodes.Status405MethodNotAllowed, new GatewayError(ErrorCatalog.InvalidRequest,
                        $"{context.Request.Method} is not served from protocol 2026-07-28 on, which has no sessions: send each request as a POST; the Allow header says so."),
                    CallStage.Frame, "method_not_allowed", "GET or DELETE of a revision without sessions") { Junk = true });
                return;
            }

            if (WithoutSession(context))
            {
                // The event stream and its end belong to a session: the MCP layer's own 400 says how to configure a server.
                await MalformedAsync(context, JsonRpcCodes.InvalidRequest, null, NeedsSession, "no session");
                return;
            }

            await next(context);
            return;
        }

        if (!IsJson(context.Request))
        {
            await RefuseMediaTypeAsync(context, "Invalid request: a JSON-RPC message is sent with Content-Type: application/json.", "not application/json");
            return;
        }

        if (!DeclaresUtf8(context.Request, out var charsetDeclared))
        {
            await RefuseMediaTypeAsync(context, "Invalid request: a JSON-RPC message is UTF-8 JSON; send it with no charset, or charset=utf-8.", "charset not utf-8");
            return;
        }

        if (!IdentityEncoded(context.Request))
        {
            // The body would be parsed as it came, not as it says it is (a gzip body fails as "not JSON", a br-labelled
            // plain body is taken): refused as RFC 9110 asks, naming the only coding taken.
            context.Response.Headers.AcceptEncoding = "identity";
            await RefuseMediaTypeAsync(context, "Invalid request: a JSON-RPC message is sent without a Content-Encoding (only identity is accepted).", "content-encoding not identity");
            return;
        }

        if (!OnlyChunked(context.Request))
        {
            // Kestrel reads the chunks and leaves any other transfer coding (gzip, deflate) undone: the body would be
            // parsed as it came, not as it says it is. RFC 9112 answers a transfer coding not understood with 501.
            context.Response.Headers.Connection = "close";
            await MalformedAsync(context, JsonRpcCodes.InvalidRequest, null,
                "Invalid request: a body is sent with no transfer coding but chunked.", "transfer-encoding not chunked", StatusCodes.Status501NotImplemented);
            return;
        }

        var limit = config.Limits.MaxBodyBytes;
        if (context.Request.ContentLength is { } length && length > limit)
        {
            await TooLargeAsync(context, $"the body of {length} bytes is larger than the {limit} bytes accepted");
            return;
        }

        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLargeAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }
        catch (BadHttpRequestException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The body never came whole but the client is still there: sent too slowly (Kestrel's minimum data rate,
            // 408) or in broken chunks (400). Kestrel answers only an exception that leaves the app; returning without an
            // answer would be a 200 with an empty body, which a client takes for success. (A client that closes its side
            // is gone: aborted.)
            await IncompleteBodyAsync(context, ex.StatusCode);
            return;
        }
        catch (Exception ex) when (ex is BadHttpRequestException or OperationCanceledException or IOException)
        {
            // The client left: there is no one to answer. One log line per such request would let anyone flood the log.
            return;
        }

        if (buffer.Length > limit)
        {
            await TooLargeAsync(context, $"the body is larger than the {limit} bytes accepted");
            return;
        }

        var body = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
        switch (JsonRpcFrame.Scan(body.Span, TransportMaxDepth))
        {
            case FrameProblem.TooDeep:
                await TooLargeAsync(context, $"the JSON nests deeper than {TransportMaxDepth} levels");
                return;
            case FrameProblem.NotJson:
                await MalformedAsync(context, JsonRpcCodes.ParseError, null, "Parse error: the body is not valid JSON.", "not JSON");
                return;
            case FrameProblem.BadText:
                await MalformedAsync(context, JsonRpcCodes.ParseError, null,
                    "Parse error: the body holds invalid UTF-8 or an unpaired UTF-16 surrogate (such as \\ud800); JSON text must be valid Unicode.", "invalid UTF-8 or unpaired surrogate");
                return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Strict);
        }
        catch (JsonException)
        {
            // Scan found clean JSON within the depth: what is left is a repeated member name.
            await RepeatedNameAsync(context, body);
            return;
        }

        using (document)
        {
            var message = document.RootElement;
            if (NotAMessage(message) is { } problem)
            {
                await MalformedAsync(context, JsonRpcCodes.InvalidRequest, IdOf(message), $"Invalid request: {problem}.", problem);
                return;
            }

            if (message.TryGetProperty("params", out var parameters) && HasNamesDifferingOnlyInCase(parameters))
            {
                var id = IdOf(message);
                await MalformedAsync(context, JsonRpcCodes.InvalidParams, id, "Invalid params: a member name appears twice in params, ignoring case; each must be unique.",
                    "params: a member name twice ignoring case", id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
                return;
            }

            var method = message.TryGetProperty("method", out var m) ? m.GetString() : null;
            if (method == "initialize" && body.Length > MaxHandshakeBytes)
            {
                // A session's handshake is kept for its life, in memory and in the state store, and read again by every
                // replica that serves it: a client's real one is a few KB.
                var id = IdOf(message);
                await MalformedAsync(context, JsonRpcCodes.InvalidParams, id, $"Invalid params: an initialize request is at most {MaxHandshakeBytes / 1024} KiB.",
                    "initialize too large", id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
                return;
            }

            if (method == "initialize" && !message.TryGetProperty("id", out _))
            {
                // A notification gets no answer, so it cannot open a session: the MCP layer's refusal names its own settings.
                await MalformedAsync(context, JsonRpcCodes.InvalidRequest, null, "Invalid request: initialize is a request and needs an \"id\".", "initialize without an id");
                return;
            }

            if (method == "initialize" && context.Request.Headers["Mcp-Session-Id"].ToString().Length > 0)
            {
                // The MCP layer hands a session's later initialize to the session-migration hook with the HttpContext of
                // the request that opened the session, long disposed: an empty 500 and an error line each time. The
                // TypeScript SDK refuses it the same way ("Server already initialized"); the answer is the same whatever
                // the session id names, so it tells nothing about other callers' sessions.
                await MalformedAsync(context, JsonRpcCodes.InvalidRequest, IdOf(message),
                    "Invalid request: initialize opens a session and is not sent within one; to start over, send it without Mcp-Session-Id.", "initialize within a session");
                return;
            }

            if (method != "initialize" && WithoutSession(context))
            {
                await MalformedAsync(context, JsonRpcCodes.InvalidRequest, IdOf(message), NeedsSession, "no session");
                return;
            }

            string? toolName = null;
            if (method == "tools/call" && InvalidToolCall(message, out toolName) is { } invalid)
            {
                var id = IdOf(message);
                await MalformedAsync(context, JsonRpcCodes.InvalidParams, id, "Invalid params: " + invalid, "tools/call params: " + invalid, id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
                return;
            }

            if (method is not null && method != "tools/call" && message.TryGetProperty("id", out _) && RequestParamsCheck.Problem(method, message, RequestParamsCheck.WithoutSessions(context.Request)) is { } unreadable)
            {
                await MalformedAsync(context, JsonRpcCodes.InvalidParams, IdOf(message), "Invalid params: " + unreadable, LogText.Safe(method) + " params: " + unreadable, StatusCodes.Status200OK);
                return;
            }

            if (method == "initialize" && HandshakeRevisionWithoutSessions(message) is { } requested
                && !RequestParamsCheck.WithoutSessions(context.Request))
            {
                await HandshakeRevisionRefusedAsync(context, IdOf(message), requested);
                return;
            }

            string? requestState = null;
            if (toolName is not null && message.GetProperty("params").TryGetProperty("requestState", out var state) && state.ValueKind == JsonValueKind.String)
            {
                requestState = state.GetString();
            }

            // The id as the client wrote it: only a rare answer needs it as a node, so it is parsed there.
            var rawId = message.TryGetProperty("id", out var idElement) && IsRequestId(idElement) ? idElement.GetRawText() : null;
            context.Features.Set(new JsonRpcRequestFeature(method, toolName, requestState, rawId));
            if (toolName is not null)
            {
                // A 2025-11-25 client's cancellation does not reach the handler; its closed connection does, through this.
                CallerConnection.Enter(rawId, context.RequestAborted);
            }
        }

        if (!AcceptsBoth(context.Request))
        {
            // Where the MCP layer checked it, after every check above: its own 406 carries no envelope and no correlation
            // id, and is neither counted nor logged.
            await MalformedAsync(context, JsonRpcCodes.InvalidRequest, null,
                "Not acceptable: an MCP client accepts both application/json and text/event-stream (Accept: application/json, text/event-stream).",
                "accept lacks application/json or text/event-stream", StatusCodes.Status406NotAcceptable);
            return;
        }

        context.Request.Body = new MemoryStream(buffer.GetBuffer(), 0, (int)buffer.Length, writable: false);
        if (charsetDeclared)
        {
            // The MCP layer decodes by the charset as written and throws on a spelling it does not know ("utf-8" quoted).
            context.Request.ContentType = "application/json";
        }

        await next(context);
        var status = context.Response.StatusCode;
        if ((status == StatusCodes.Status400BadRequest || (status == StatusCodes.Status404NotFound && RequestParamsCheck.WithoutSessions(context.Request)))
            && context.Features.Get<TakenPastTheTransport>() is null && context.Features.Get<RefusalRecorded>() is null)
        {
            // The MCP layer's transport refused it before building a server (a protocol version it does not serve; of
            // 2026-07-28, a header or _meta member it requires missing or not the body's, a method it removed): its
            // answer is the layer's own.
            refusals.CountTransportRefusal(context, status);
        }
    }

    private const string NeedsSession =
        "Invalid request: without MCP-Protocol-Version 2026-07-28 or later, requests belong to a session: send initialize first, then its Mcp-Session-Id with every request.";

    /// <summary>
    /// A request of a revision with sessions (before 2026-07-28, or no <c>MCP-Protocol-Version</c>) that names none: only
    /// its <c>initialize</c> may, as the MCP layer holds.
    /// </summary>
    private static bool WithoutSession(HttpContext context) =>
        context.Request.Headers["Mcp-Session-Id"].ToString().Length == 0
        && !RequestParamsCheck.WithoutSessions(context.Request);

    /// <summary>A 415 with the invalid-request envelope as a JSON-RPC error, counted and logged as a malformed frame.</summary>
    private Task RefuseMediaTypeAsync(HttpContext context, string message, string reason) =>
        refusals.WriteAsync(context, new HttpRefusal(
            StatusCodes.Status415UnsupportedMediaType, new GatewayError(ErrorCatalog.InvalidRequest, message), CallStage.Frame, "malformed_frame", reason)
        {
            Body = RefusalBody.JsonRpc,
            RpcCode = JsonRpcCodes.InvalidRequest,
            Junk = true,
        });

    /// <summary>
    /// True when <c>Accept</c> names both answers a POST may get, directly or by a wildcard (<c>*/*</c>,
    /// <c>application/*</c>), as the MCP layer reads it (quality values aside).
    /// </summary>
    internal static bool AcceptsBoth(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        return accepted.Any(Json.IsSubsetOf) && accepted.Any(EventStream.IsSubsetOf);
    }

    /// <summary>True when the body's <c>Transfer-Encoding</c> is none, or <c>chunked</c> alone (the one coding Kestrel undoes).</summary>
    internal static bool OnlyChunked(HttpRequest request) => OnlyCoding(request.Headers.TransferEncoding, "chunked");

    /// <summary>True when the body carries no content coding (no <c>Content-Encoding</c>, or only <c>identity</c>).</summary>
    internal static bool IdentityEncoded(HttpRequest request) => OnlyCoding(request.Headers.ContentEncoding, "identity");

    /// <summary>True when every coding the header lists (comma-separated, in any of its lines) is <paramref name="coding"/>.</summary>
    private static bool OnlyCoding(StringValues header, string coding)
    {
        foreach (var value in header)
        {
            foreach (var listed in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!listed.Equals(coding, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the body is declared UTF-8: no charset, or <c>utf-8</c> (or <c>utf8</c>) in any case, quoted or not. The body is checked
    /// here as UTF-8, while the MCP layer decodes it by the declared charset: another one would read other text than was
    /// checked (or none: an unknown charset threw, an empty 500 and an error line for each). The admin API's bodies are held to the same.
    /// </summary>
    internal static bool DeclaresUtf8(HttpRequest request, out bool charsetDeclared)
    {
        charsetDeclared = false;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return false;
        }

        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        charsetDeclared = charset.HasValue;
        return !charsetDeclared || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Why the JSON is not one JSON-RPC 2.0 request, notification or response, or null.</summary>
    private static string? NotAMessage(JsonElement message)
    {
        if (message.ValueKind == JsonValueKind.Array)
        {
            return "batches are not part of MCP since 2025-06-18; send one message per request";
        }

        if (message.ValueKind != JsonValueKind.Object)
        {
            return "a JSON-RPC message is a JSON object";
        }

        if (HasNamesDifferingOnlyInCase(message))
        {
            return "a member name appears twice in the message, ignoring case; each must be unique";
        }

        if (!message.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0"))
        {
            return "\"jsonrpc\" must be \"2.0\"";
        }

        var hasId = message.TryGetProperty("id", out var id);
        if (hasId && !IsRequestId(id))
        {
            return "\"id\" must be a string or an integer";
        }

        if (message.TryGetProperty("method", out var method))
        {
            return method.ValueKind != JsonValueKind.String || method.GetString() is not { Length: > 0 }
                ? "\"method\" must be a non-empty string"
                : null;
        }

        var hasResult = message.TryGetProperty("result", out _);
        var hasError = message.TryGetProperty("error", out var error);
        if (!hasId || hasResult == hasError)
        {
            return "a message needs a \"method\" (request or notification), or an \"id\" with either a \"result\" or an \"error\" (response)";
        }

        // The MCP layer reads an error into its typed record, and one it cannot read fails with its own message, which
        // names its types and the parser's position.
        return hasError && !IsErrorObject(error)
            ? "a response's \"error\" is an object with an integer \"code\" and a string \"message\""
            : null;
    }

    private static bool IsErrorObject(JsonElement error) =>
        error.ValueKind == JsonValueKind.Object
        && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out _)
        && error.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String;

    /// <summary>
    /// Whether the body is declared <c>application/json</c>, parameters aside. ASP.NET Core's own check takes any
    /// <c>application/*+json</c> too (<c>application/merge-patch+json</c>), which is not a JSON-RPC message's type.
    /// The admin API's bodies are held to the same.
    /// </summary>
    internal static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether two of an object's member names are equal ignoring case. The MCP layer reads a message's params into its
    /// typed records ignoring case (the web defaults of System.Text.Json, with the same comparer as here), taking the last
    /// of <c>name</c> and <c>NAME</c> where this middleware and the step-up check read the first: both are refused, and
    /// at the top level too, where no reader could then disagree.
    /// </summary>
    private static bool HasNamesDifferingOnlyInCase(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object || value.GetPropertyCount() < 2)
        {
            return false;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in value.EnumerateObject())
        {
            if (!names.Add(member.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRequestId(JsonElement id) =>
        id.ValueKind == JsonValueKind.String || (id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out _));

    private static string? InvalidToolCall(JsonElement message, out string? toolName)
    {
        toolName = null;
        if (!message.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return "tools/call needs a params object.";
        }

        if (!parameters.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return "params.name must be the tool's name, a string.";
        }

        // No tool's name holds one, and the gateway's own keys and records join names with control characters.
        var tool = name.GetString()!;
        if (tool.AsSpan().ContainsAny(ControlCharacters))
        {
            return "params.name must be the tool's name: it holds a control character, which no tool's name does.";
        }

        if (parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return "params.arguments must be an object.";
        }

        if (RequestParamsCheck.MetaProblem(parameters) is { } meta)
        {
            return meta;
        }

        if (parameters.TryGetProperty("requestState", out var state)
            && (state.ValueKind is not (JsonValueKind.String or JsonValueKind.Null) || HasControlCharacter(state)))
        {
            return "params.requestState must be the string a previous answer gave.";
        }

        if (parameters.TryGetProperty("inputResponses", out var responses) && responses.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return "params.inputResponses must be an object.";
        }

        toolName = tool;
        return null;
    }

    private static bool HasControlCharacter(JsonElement text) =>
        text.ValueKind == JsonValueKind.String && text.GetString()!.AsSpan().ContainsAny(ControlCharacters);

    /// <summary>Refuses a message with a member name twice in one object: invalid params when it is in params, else invalid request.</summary>
    private Task RepeatedNameAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body, Lenient);
        var message = document.RootElement;
        var id = IdOf(message);
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("params", out var parameters) && !ParsesStrictly(parameters))
        {
            return MalformedAsync(context, JsonRpcCodes.InvalidParams, id, "Invalid params: a member name appears twice in one object of params; each name in a JSON object must be unique.",
                "params: a repeated member name", id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
        }

        return MalformedAsync(context, JsonRpcCodes.InvalidRequest, id, "Invalid request: a member name appears twice in one object; each name in a JSON object must be unique.", "a repeated member name");
    }

    private static bool ParsesStrictly(JsonElement element)
    {
        try
        {
            using var _ = JsonDocument.Parse(element.GetRawText(), Strict);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static JsonNode? IdOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out var id) && IsRequestId(id)
            ? JsonNode.Parse(id.GetRawText())
            : null;

    private Task TooLargeAsync(HttpContext context, string reason) =>
        refusals.WriteAsync(context, new HttpRefusal(
            StatusCodes.Status413PayloadTooLarge, new GatewayError(ErrorCatalog.PayloadTooLarge, $"The request is too large: {reason}."), CallStage.Limits, "body_too_large", reason)
        {
            Body = RefusalBody.JsonRpc,
            RpcCode = JsonRpcCodes.InvalidRequest,
        });

    /// <summary>A 408 (too slow) or 400 (framing broken) with the invalid-request envelope, counted and logged as a malformed frame.</summary>
    private Task IncompleteBodyAsync(HttpContext context, int status)
    {
        var slow = status == StatusCodes.Status408RequestTimeout;
        var message = slow
            ? "Invalid request: the body arrived too slowly and was not read; send it again, whole."
            : "Invalid request: the body could not be read (its framing is broken); send it again, whole.";
        context.Response.Headers.Connection = "close";
        return MalformedAsync(context, JsonRpcCodes.InvalidRequest, null, message, slow ? "body sent too slowly" : "body framing broken",
            slow ? StatusCodes.Status408RequestTimeout : StatusCodes.Status400BadRequest);
    }

    /// <summary>The revision an <c>initialize</c> asks for when it is one without sessions (2026-07-28 on), else null.</summary>
    private static string? HandshakeRevisionWithoutSessions(JsonElement message) =>
        message.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
        && parameters.TryGetProperty("protocolVersion", out var version) && version.ValueKind == JsonValueKind.String
        && version.GetString() is { } requested && RequestParamsCheck.WithoutSessions(requested)
            ? requested
            : null;

    /// <summary>
    /// The MCP layer's own answer to an <c>initialize</c> asking for a revision without sessions (-32022 with the
    /// revisions it may ask for, so a client can ask again), given before the MCP layer sees it: the MCP layer would
    /// open a session for it first, and keep it, with its handshake in the state store, until the idle timeout.
    /// </summary>
    private Task HandshakeRevisionRefusedAsync(HttpContext context, JsonNode? id, string requested) =>
        refusals.WriteAsync(context, new HttpRefusal(StatusCodes.Status200OK,
            new GatewayError(ErrorCatalog.InvalidRequest, $"Protocol version '{LogText.Safe(requested, 64)}' is not available through the initialize handshake; ask for one of those listed in data.supported, or use server/discover."),
            CallStage.Frame, "malformed_frame", "initialize asking for a revision without sessions")
        {
            Body = RefusalBody.JsonRpc,
            RpcCode = (int)ModelContextProtocol.McpErrorCode.UnsupportedProtocolVersion,
            RpcId = id,
            RpcData = new JsonObject
            {
                ["supported"] = new JsonArray([.. RequestParamsCheck.HandshakeVersions.Select(v => (JsonNode)v)]),
                ["requested"] = requested,
            },
            Junk = true,
        });

    private Task MalformedAsync(HttpContext context, int rpcCode, JsonNode? id, string message, string reason, int status = StatusCodes.Status400BadRequest) =>
        refusals.WriteAsync(context, new HttpRefusal(status, new GatewayError(ErrorCatalog.InvalidRequest, message), CallStage.Frame, "malformed_frame", reason)
        {
            Body = RefusalBody.JsonRpc,
            RpcCode = rpcCode,
            RpcId = id,
            Junk = true,
        });
}
