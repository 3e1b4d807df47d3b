using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portcullis.Tests.Infrastructure;

/// <summary>A running gateway's admin plane: its address (it binds port 0 and logs the address it got) and its API.</summary>
internal sealed partial class AdminPlane(GatewayProcess gateway, string baseUrl)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl => baseUrl;

    /// <summary>Serve arguments for an admin plane on a port of the kernel's choosing.</summary>
    public static readonly string[] ServeArgs = ["--admin-listen", "http://127.0.0.1:0"];

    public static async Task<AdminPlane> OfAsync(GatewayProcess gateway)
    {
        await gateway.WaitForOutputAsync("Admin plane listening on ", TimeSpan.FromSeconds(60));
        return new AdminPlane(gateway, Listening().Match(gateway.Output).Groups[1].Value);
    }

    /// <summary>An admin token from the development identity, as <c>portcullis token --admin</c> prints it.</summary>
    public async Task<string> TokenAsync(string scopes = "portcullis:admin", string subject = "operator-1")
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync(
            "token", "--config", gateway.ConfigPath, "--data-dir", gateway.DataDir, "--listen", gateway.BaseUrl,
            "--admin", "--admin-listen", baseUrl, "--scopes", scopes, "--subject", subject);
        Assert.True(exit == 0, output);
        return stdout.TrimEnd().Split('\n')[^1].Trim();
    }

    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? token, JsonNode? body = null) =>
        SendTextAsync(method, path, token, body?.ToJsonString());

    /// <summary>Sends <paramref name="body"/> as it is, for bodies a <see cref="JsonNode"/> cannot hold (a property given twice).</summary>
    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendTextAsync(HttpMethod method, string path, string? token, string? body) =>
        SendBytesAsync(method, path, token, body is null ? null : System.Text.Encoding.UTF8.GetBytes(body));

    /// <summary>Sends <paramref name="body"/> byte for byte as <c>application/json</c>, for bodies no string holds (invalid UTF-8).</summary>
    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendBytesAsync(HttpMethod method, string path, string? token, byte[]? body) =>
        SendContentAsync(method, path, token, body is null ? null : new ByteArrayContent(body), "application/json; charset=utf-8");

    /// <summary>Sends <paramref name="content"/> with the Content-Type header <paramref name="contentType"/> (none when null) as it is.</summary>
    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendContentAsync(HttpMethod method, string path, string? token, HttpContent? content, string? contentType)
    {
        using var request = new HttpRequestMessage(method, baseUrl + path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (content is not null)
        {
            content.Headers.ContentType = null;
            if (contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text, documentOptions: new() { MaxDepth = 128 }) : null, response);
    }

    public async Task<JsonObject> GetJsonAsync(string path, string token)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, path, token);
        Assert.True(status == 200, $"GET {path} answered {status}: {body?.ToJsonString()}");
        return body!.AsObject();
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync(baseUrl + "/metrics");

    /// <summary>Polls the audit API until an event matching <paramref name="query"/> and <paramref name="match"/> is there.</summary>
    public async Task<JsonObject> WaitForEventAsync(string token, string query, Func<JsonObject, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var page = await GetJsonAsync("/admin/api/audit?" + query, token);
            if (page["events"]!.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => match?.Invoke(e) ?? true) is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No audit event for '{query}' appeared; the trail has: {page.ToJsonString()}");
            }
        }
    }

    [GeneratedRegex(@"Admin plane listening on (http://[^ ]+)")]
    private static partial Regex Listening();
}
