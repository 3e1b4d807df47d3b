using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Portcullis.Tests.Protocol;

/// <summary>
/// A session's event stream (its GET) opened by hand, as a client opens it again after the gateway went away: the URIs of
/// the <c>notifications/resources/updated</c> it carries, in order.
/// </summary>
internal sealed class EventStream : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _reading = new();

    private EventStream(HttpResponseMessage response) => _response = response;

    public ChannelReader<string> Updates { get; private set; } = null!;

    public static async Task<EventStream> OpenAsync(HttpClient http, Uri endpoint, string sessionId, string protocolVersion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, endpoint);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new InvalidOperationException($"The event stream was refused: {(int)response.StatusCode} {body}");
        }

        var stream = new EventStream(response);
        var updates = Channel.CreateUnbounded<string>();
        stream.Updates = updates.Reader;
        _ = stream.ReadAsync(updates.Writer);
        return stream;
    }

    private async Task ReadAsync(ChannelWriter<string> updates)
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_reading.Token));
            while (await reader.ReadLineAsync(_reading.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal)
                    && JsonNode.Parse(line["data:".Length..]) is JsonObject message
                    && message["method"]?.GetValue<string>() == NotificationMethods.ResourceUpdatedNotification)
                {
                    updates.TryWrite(message["params"]?["uri"]?.GetValue<string>() ?? "");
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
            // Closed.
        }
        finally
        {
            updates.TryComplete();
        }
    }

    public void Dispose()
    {
        _reading.Cancel();
        _response.Dispose();
        _reading.Dispose();
    }
}
