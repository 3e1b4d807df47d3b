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
        switch (behaviour.Mode)
        {
            case "429" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = behaviour.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            case "500" when await IsToolCallAsync(context):
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return;
            default:
                await next(context);
                return;
        }
    }

    private static async Task<bool> IsToolCallAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return false;
        }

        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        var body = await reader.ReadToEndAsync();
        context.Request.Body.Position = 0;
        return body.Contains("\"tools/call\"", StringComparison.Ordinal);
    }
}
