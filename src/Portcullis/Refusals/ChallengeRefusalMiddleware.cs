namespace Portcullis.Refusals;

/// <summary>
/// The one HTTP refusal the gateway does not write itself: a 401 challenge the authentication handler answers on a
/// connector endpoint when no token check ran (no bearer token at all). Just before such a response starts, it is
/// handed to <see cref="HttpRefusals"/> like every other refusal, unless a token check already recorded it.
/// </summary>
internal sealed class ChallengeRefusalMiddleware(RequestDelegate next, HttpRefusals refusals)
{
    private static readonly PathString Mcp = new("/mcp");

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments(Mcp))
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
                {
                    refusals.TokenMissing(context);
                }

                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
