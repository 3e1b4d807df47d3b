using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portcullis.Core.Connectors;
using Portcullis.Core.State;

namespace Portcullis.Health;

/// <summary>
/// <c>/healthz</c> (the process serves) and <c>/readyz</c> (the state store is ready and answers, every connector's catalog is
/// current and the gateway is not draining), on ASP.NET Core health checks: one check per connector, one for the
/// state store, one for the drain.
/// </summary>
internal static class HealthEndpoints
{
    private const string Ready = "ready";
    private const string DrainCheck = "shutdown";
    private const string StateCheck = "$state"; // not a connector name: the schema admits no "$" there

    public static IServiceCollection AddGatewayHealth(this IServiceCollection services, IEnumerable<string> connectorNames)
    {
        var checks = services.AddHealthChecks();
        foreach (var name in connectorNames)
        {
            checks.Add(new HealthCheckRegistration(
                name,
                sp => new ConnectorHealthCheck(Connector(sp, name), sp.GetRequiredService<TimeProvider>()),
                HealthStatus.Unhealthy,
                [Ready]));
        }

        // One instance, so that probes coming together share one question to the store.
        services.AddSingleton<StateStoreHealthCheck>();
        checks.AddCheck<StateStoreHealthCheck>(StateCheck, HealthStatus.Unhealthy, [Ready]);
        checks.AddCheck<DrainHealthCheck>(DrainCheck, HealthStatus.Unhealthy, [Ready]);
        return services;
    }

    public static void MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => WriteAsync(context, new JsonObject { ["status"] = "ok" }),
        });
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteReadinessAsync,
        });
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var connectors = new JsonObject();
        var body = new JsonObject { ["status"] = report.Status == HealthStatus.Healthy ? "ready" : "not_ready" };
        foreach (var (name, entry) in report.Entries)
        {
            if (name == DrainCheck)
            {
                if (entry.Status != HealthStatus.Healthy)
                {
                    body["draining"] = true;
                    body["reason"] = entry.Description;
                }

                continue;
            }

            if (name == StateCheck)
            {
                var state = new JsonObject
                {
                    ["store"] = context.RequestServices.GetRequiredService<IStateStore>().Name,
                    ["ready"] = entry.Status == HealthStatus.Healthy,
                };
                if (entry.Status != HealthStatus.Healthy)
                {
                    state["reason"] = entry.Description;
                }

                body["state"] = state;
                continue;
            }

            connectors[name] = entry.Data.TryGetValue(ConnectorHealthCheck.EntryKey, out var value) && value is JsonNode node
                ? node.DeepClone()
                : new JsonObject { ["ready"] = false, ["reason"] = entry.Description ?? "the check failed" };
        }

        body["connectors"] = connectors;
        return WriteAsync(context, body);
    }

    private static Task WriteAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static Connector Connector(IServiceProvider services, string name) =>
        services.GetRequiredService<ConnectorRegistry>().TryGet(name, out var connector)
            ? connector
            : throw new InvalidOperationException($"No connector is named '{name}'.");
}
