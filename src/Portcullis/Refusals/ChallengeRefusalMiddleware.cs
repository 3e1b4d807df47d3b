namespace Portcullis.Refusals;

/// <summary>
/// The one HTTP refusal the gateway does not write itself: a 401 challenge the authentication handler answers on a
/// connector endpoint. Before it is sent, it is handed to <see cref="HttpRefusals"/> like every other refusal, which
/// records it (unless a token check already did) and completes it with the reason and the error envelope.
/// </summary>
internal sealed class ChallengeRefusalMiddleware(RequestDelegate next, HttpRefusals refusals)
{
    private static readonly PathString Mcp = new("/mcp");

    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized && context.Request.Path.StartsWithSegments(Mcp))
        {
            if (context.Response.HasStarted)
            {
                refusals.TokenMissing(context);
            }
            else
            {
                await refusals.ChallengedAsync(context);
            }
        }
    }
}
