using Portcullis.Core.Configuration;

using Portcullis.Security;

namespace Portcullis.Admin;

/// <summary>
/// The admin plane's routes: <c>/metrics</c>, and the JSON API under <c>/admin/api</c>, where every route needs an
/// admin token with the scope its group names. New admin features add a <c>Map</c> of their own here.
/// </summary>
internal static class AdminEndpoints
{
    public const string ApiPrefix = "/admin/api";

    public static void MapAdmin(this WebApplication app, GatewayConfig config, OpenTelemetry.Metrics.MeterProvider? meters, DevSigningKey? devKey)
    {
        if (meters is not null)
        {
            // The exporter's route takes every method: a POST, PUT or DELETE was answered with the metrics. With GET and
            // HEAD named, any other gets the admin plane's 405 (AdminFallback) with Allow: GET, HEAD.
            var metrics = app.MapPrometheusScrapingEndpoint("/metrics", meters, null, null)
                .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
            if (config.Admin.MetricsRequireToken)
            {
                metrics.RequireAuthorization(AdminScopes.Admin);
            }
        }

        // Reviews first: their group needs portcullis:review, not portcullis:admin.
        var reviews = app.MapGroup(ApiPrefix + "/reviews").RequireAuthorization(AdminScopes.Review);
        AdminQuery.Enforce(reviews);
        AdminReviewEndpoints.Map(reviews);
        var api = app.MapGroup(ApiPrefix).RequireAuthorization(AdminScopes.Admin);
        AdminQuery.Enforce(api);
        AdminConnectorEndpoints.Map(api);
        AdminAuditEndpoints.Map(api);
        AdminIdempotencyEndpoints.Map(api);
        AdminConsole.Map(app);
        if (devKey is not null)
        {
            AdminDevSignIn.Map(app, config, devKey);
        }

        var fallback = new AdminFallback(app.Services.GetRequiredService<EndpointDataSource>());
        // Every path, a file-like one (index.html) too: the default pattern leaves those to an empty 404.
        app.MapFallback("{*path}", fallback.Answer);
    }
}
