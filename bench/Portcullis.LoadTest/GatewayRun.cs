using System.Diagnostics;

namespace Portcullis.LoadTest;

/// <summary>A running gateway in the comparison, with what is needed to reach it.</summary>
internal sealed class GatewayRun(ManagedProcess process, string baseUrl, string configPath, string dataDir) : IAsyncDisposable
{
    private static readonly HttpClient Http = new();

    public ManagedProcess Process => process;

    public Uri Endpoint(string connector) => new($"{baseUrl}/mcp/{connector}");

    public async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(90));
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync(baseUrl + "/readyz", cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cts.Token);
        }
    }

    /// <summary>Asks <c>portcullis token</c> for a dev token; null when the verb is not available.</summary>
    public async Task<string?> TokenAsync(string connector, string scopes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Paths.Gateway, "token", "--config", configPath, "--data-dir", dataDir, "--connector", connector, "--scopes", scopes })
        {
            start.ArgumentList.Add(arg);
        }

        using var token = System.Diagnostics.Process.Start(start)!;
        var output = await token.StandardOutput.ReadToEndAsync(cancellationToken);
        await token.WaitForExitAsync(cancellationToken);
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return token.ExitCode == 0 ? last : null;
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
