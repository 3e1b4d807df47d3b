using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// A chat system's incoming webhook in the test process (real Kestrel on loopback, port 0): keeps every POSTed JSON
/// body, and answers the first <c>failFirst</c> requests with 503 so retries are seen.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<JsonObject> _received = Channel.CreateUnbounded<JsonObject>();
    private int _remainingFailures;

    private WebhookReceiver(WebApplication app, int failFirst)
    {
        _app = app;
        _remainingFailures = failFirst;
    }

    public string Url { get; private set; } = "";

    /// <summary>Requests that were answered with 503.</summary>
    public int Failed { get; private set; }

    /// <summary>Bodies POSTed to <c>/elsewhere</c>, where a receiver started with <c>redirect</c> sends every delivery (307).</summary>
    public int Redirected => _redirected;

    private int _redirected;

    public static async Task<WebhookReceiver> StartAsync(int failFirst, bool redirect = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, failFirst);
        app.MapPost("/elsewhere", () =>
        {
            Interlocked.Increment(ref receiver._redirected);
            return Results.Ok();
        });
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            if (redirect)
            {
                receiver.Failed++;
                return Results.Redirect("/elsewhere", permanent: false, preserveMethod: true);
            }

            if (Interlocked.Decrement(ref receiver._remainingFailures) >= 0)
            {
                receiver.Failed++;
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            var body = await JsonNode.ParseAsync(request.Body);
            receiver._received.Writer.TryWrite(body!.AsObject());
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
        return receiver;
    }

    /// <summary>The next delivered body that matches, within <paramref name="timeout"/>.</summary>
    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var body = await _received.Reader.ReadAsync(cts.Token);
            if (match(body))
            {
                return body;
            }
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
