namespace Portcullis.Fixtures.Upstream;

/// <summary>Applies the configured fault to MCP requests and records the Authorization each one carried.</summary>
internal sealed class HttpBehaviourMiddleware(RequestDelegate next, HttpBehaviour behaviour)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/mcp"))
        {
            await next(context);
            return;
        }

        behaviour.Saw(context.Request.Headers.Authorization);
        if (HttpMethods.IsPost(context.Request.Method))
        {
            await ObserveAsync(context, behaviour);
        }

        switch (behaviour.Mode)
        {
            case "429" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = behaviour.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            case "503" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = behaviour.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            case "401_once" when await IsToolCallAsync(context):
                // As an upstream that revoked the token the gateway holds: this call is refused, the next ones served.
                behaviour.Mode = "normal";
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            case "403" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            case "401_all" when HttpMethods.IsPost(context.Request.Method):
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            case "500" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            case "html502" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<html><body><h1>502 Bad Gateway</h1>nginx at 10.1.2.3</body></html>");
                return;
            case "expire_delete_hang" when await IsToolCallAsync(context):
                // As an upstream that forgot the session: the client's session is over, and it closes it.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            case "delete_hang" or "expire_delete_hang" when HttpMethods.IsDelete(context.Request.Method):
                // Never answers the DELETE that ends a session.
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case "cancelled_hang" when await IsRequestAsync(context, "notifications/cancelled"):
                // Never answers the POST telling it a request was cancelled.
                behaviour.HeldCancellation();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case "get_retry0" when HttpMethods.IsGet(context.Request.Method):
                // Each event stream ends at once with an event id, telling the client to open it again after 0 ms.
                behaviour.StreamOpened();
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync($"retry: 0\nid: {behaviour.StreamsOpened}\ndata: \n\n");
                return;
            case "sse_no_result" when await IsToolCallAsync(context):
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync(": nothing follows\n\n");
                return;
            case "redirect" when await IsToolCallAsync(context):
                // As a moved or hostile upstream answers: to another origin (localhost for 127.0.0.1, the same server,
                // which counts who followed).
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = $"{context.Request.Scheme}://localhost:{context.Request.Host.Port}/redirected";
                return;
            case "redirect_slash" when HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Value == "/mcp":
                // As servers answer a missing trailing slash: the same request, at /mcp/.
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = "/mcp/";
                return;
            case "redirect_loop" when await IsToolCallAsync(context):
                // As two layers that disagree on the trailing slash: /mcp to /mcp/, and /mcp/ back to /mcp, for ever.
                behaviour.LoopRedirected();
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = context.Request.Path.Value == "/mcp" ? "/mcp/" : "/mcp";
                return;
            case "text_plain" when await IsToolCallAsync(context):
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("hello from a proxy");
                return;
            case "wrong_shape" when await IsToolCallAsync(context):
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":" + await RequestIdAsync(context) + ",\"result\":{\"content\":\"not a list\",\"isError\":\"no\"}}");
                return;
            case "too_deep" when await IsToolCallAsync(context):
                // A tool result nested 100 levels deep: more than the MCP SDK's JSON reader takes (64).
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":" + await RequestIdAsync(context) + ",\"result\":{\"content\":[],\"structuredContent\":"
                    + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "}}");
                return;
            case { } mode when mode.StartsWith("json_kib_", StringComparison.Ordinal) && await IsToolCallAsync(context):
                // json_kib_N: a tool result of N KiB of text as one JSON body with its length declared; json_kib_N_chunked
                // without; either with _202 after it answers with status 202 (which the MCP client reads as a success).
                var parts = mode.Split('_');
                var text = new string('y', int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) * 1024);
                var body = System.Text.Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":" + await RequestIdAsync(context) + ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}]}}");
                context.Response.ContentType = "application/json";
                context.Response.StatusCode = parts[^1] == "202" ? StatusCodes.Status202Accepted : StatusCodes.Status200OK;
                if (!parts.Contains("chunked"))
                {
                    context.Response.ContentLength = body.Length;
                }

                await context.Response.Body.WriteAsync(body);
                return;
            case "initialize_error" when await IsRequestAsync(context, "initialize"):
                // As an upstream whose own start failed: its error names what it could not reach, in its own words.
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":" + await RequestIdAsync(context)
                    + ",\"error\":{\"code\":-32000,\"message\":\"cannot open db crm at db-primary.internal as admin pw hunter2\"}}");
                return;
            case "initialize_500" when await IsRequestAsync(context, "initialize"):
                // The body of an HTTP error, which the MCP client quotes in its exception.
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("db-primary.internal refused user admin pw hunter2");
                return;
            case "list_hang" when await IsRequestAsync(context, "tools/list"):
                // Holds every tools/list open until the caller gives up; other requests are served.
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            case { } mode when mode.StartsWith("list_echo:", StringComparison.Ordinal) && await IsRequestAsync(context, "tools/list"):
                // list_echo:MEMBERS: echo's description in the tool list becomes the JSON text MEMBERS, written as it is
                // (half of a surrogate pair, say, which a .NET string written by the server would turn into U+FFFD).
                await RewriteAsync(context, "\"name\":\"echo\",\"description\":\"Echo the text back.\"", "\"name\":\"echo\"," + mode["list_echo:".Length..]);
                return;
            case { } mode when mode.StartsWith("list_raw:", StringComparison.Ordinal) && await RawRuleAsync(context, mode["list_raw:".Length..]) is { } rule:
                // list_raw:METHOD|FROM|TO, one rule a line: in the answer to METHOD, the JSON text FROM becomes TO, written as
                // it is (a resource's, template's or prompt's description holding half of a surrogate pair, say).
                await RewriteAsync(context, rule.From, rule.To);
                return;
            default:
                await next(context);
                return;
        }
    }

    /// <summary>The rule of <c>list_raw:</c> <paramref name="rules"/> for the request's method, or null when none is for it.</summary>
    private static async Task<(string From, string To)?> RawRuleAsync(HttpContext context, string rules)
    {
        foreach (var line in rules.Split('\n'))
        {
            var parts = line.Split('|');
            if (parts.Length == 3 && await IsRequestAsync(context, parts[0]))
            {
                return (parts[1], parts[2]);
            }
        }

        return null;
    }

    /// <summary>Serves the request, then replaces <paramref name="from"/> in the answer's text with <paramref name="to"/>.</summary>
    private async Task RewriteAsync(HttpContext context, string from, string to)
    {
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
        }

        var text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        if (!text.Contains(from, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the answer does not hold {from}: {text}");
        }

        var rewritten = System.Text.Encoding.UTF8.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
        context.Response.ContentLength = null;
        await body.WriteAsync(rewritten);
    }

    private static async Task<string> RequestIdAsync(HttpContext context)
    {
        using var document = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
        context.Request.Body.Position = 0;
        return document.RootElement.GetProperty("id").GetRawText();
    }

    /// <summary>Records the id of each tools/call and of each notifications/cancelled the POST carries.</summary>
    private static async Task ObserveAsync(HttpContext context, HttpBehaviour behaviour)
    {
        context.Request.EnableBuffering();
        try
        {
            using var document = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body);
            behaviour.Observe(document.RootElement);
        }
        catch (System.Text.Json.JsonException)
        {
        }
        finally
        {
            context.Request.Body.Position = 0;
        }
    }

    private static Task<bool> IsToolCallAsync(HttpContext context) => IsRequestAsync(context, "tools/call");

    private static async Task<bool> IsRequestAsync(HttpContext context, string method)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return false;
        }

        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        var body = await reader.ReadToEndAsync();
        context.Request.Body.Position = 0;
        return body.Contains($"\"{method}\"", StringComparison.Ordinal);
    }
}
