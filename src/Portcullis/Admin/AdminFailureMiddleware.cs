using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pipeline;
using Portcullis.Core.State;
using Portcullis.Diagnostics;
using Portcullis.Refusals;

namespace Portcullis.Admin;

/// <summary>
/// The admin plane's last word on a request that failed: a body past <see cref="AdminApp.MaxBodyBytes"/> is the
/// catalog's 413 <c>payload_too_large</c> (logged, counted and audited like every HTTP refusal), a state store that does not
/// answer is 503 <c>state_unavailable</c> with <c>Retry-After</c> (counted and audited like every HTTP refusal, logged as
/// the gateway's calls log an outage), and anything else that escapes an endpoint is 500 <c>internal</c> with a
/// correlation id, the exception in the log under it: never an empty body.
/// </summary>
internal sealed class AdminFailureMiddleware(RequestDelegate next, HttpRefusals refusals, StateOutages outages, ILogger<AdminFailureMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var tooLarge = ex.StatusCode == StatusCodes.Status413PayloadTooLarge;
            var message = tooLarge
                ? $"The request is too large: the admin API accepts bodies of at most {AdminApp.MaxBodyBytes} bytes."
                : "The request could not be read: " + ex.Message;
            await refusals.WriteAsync(context, new HttpRefusal(ex.StatusCode,
                new GatewayError(tooLarge ? ErrorCatalog.PayloadTooLarge : ErrorCatalog.InvalidArguments, message),
                CallStage.Limits, tooLarge ? "body_too_large" : "bad_request", ex.Message));
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && outages.IsOutage(ex))
        {
            var correlationId = CorrelationIds.Next();
            var error = outages.Refuse(ex, correlationId);
            context.Response.Clear();
            await refusals.WriteAsync(context, new HttpRefusal(StatusCodes.Status503ServiceUnavailable, error, CallStage.Pipeline, "state_unavailable", LogText.Safe(ex.Message))
            {
                CorrelationId = correlationId,
                Logged = true,
            });
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var correlationId = CorrelationIds.Next();
            GatewayLog.AdminFailed(logger, correlationId, context.Request.Method, context.Request.Path, ex);
            context.Response.Clear();
            context.Response.Headers[HttpRefusals.CorrelationHeader] = correlationId;
            await AdminResults.Error(ErrorCatalog.Internal,
                "The admin API could not answer (the state store may be unreachable); nothing was changed that the answer does not say. " +
                "Retry shortly; the log has the details under the correlation id.", correlationId, StatusCodes.Status500InternalServerError)
                .ExecuteAsync(context);
        }
    }
}
