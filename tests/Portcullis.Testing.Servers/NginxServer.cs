using System.Globalization;
using System.Net.Sockets;

namespace Portcullis.Testing.Servers;

/// <summary>
/// A real nginx (Debian's nginx-light) in a temp dir, balancing round robin over the given upstreams with the
/// settings Streamable HTTP needs (the ones docs/operations.md shows). Its access log names the upstream that
/// served each request and the request's <c>Mcp-Session-Id</c>. nginx cannot bind port 0 and report it, so a
/// free port is chosen and another one tried when the bind fails. It may start before its upstreams are known (their
/// URLs need its address) and be pointed at them later with <see cref="RouteToAsync"/>.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _dir;

    private NginxServer(ChildProcess process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>One line per request: upstream address, session id (or '-'), method, status, URI, protocol version header.</summary>
    public IReadOnlyList<string> AccessLog()
    {
        var path = Path.Combine(_dir, "access.log");
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Starts nginx balancing over <paramref name="upstreams"/> (<c>host:port</c>); none yet: every request answers 502.</summary>
    public static async Task<NginxServer> StartAsync(IReadOnlyList<string> upstreams)
    {
        for (var attempt = 0; ; attempt++)
        {
            var dir = ScratchDir.Create("nginx");
            var port = Ports.Free();
            File.WriteAllText(Path.Combine(dir, "nginx.conf"), Config(dir, port, upstreams));
            foreach (var temp in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                Directory.CreateDirectory(Path.Combine(dir, temp));
            }

            // As root nginx's workers run as nobody: they must be able to write the temp dirs and logs.
            File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
            foreach (var sub in Directory.GetDirectories(dir))
            {
                File.SetUnixFileMode(sub, (UnixFileMode)0x1FF);
            }

            var process = ChildProcess.Start(ServerPaths.Find("nginx"), ["-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log")]);
            var server = new NginxServer(process, dir, port);
            if (await server.WaitListeningAsync())
            {
                return server;
            }

            var log = File.Exists(Path.Combine(dir, "error.log")) ? File.ReadAllText(Path.Combine(dir, "error.log")) : "";
            await server.DisposeAsync();
            if (!log.Contains("Address already in use", StringComparison.Ordinal) || attempt >= 5)
            {
                throw new InvalidOperationException($"nginx did not start:\n{process.Output}\n{log}");
            }
        }
    }

    /// <summary>
    /// Balances over <paramref name="upstreams"/> from now on: rewrites the config, reloads nginx, and returns once
    /// requests reach them (old workers finish their requests and exit on their own).
    /// </summary>
    public async Task RouteToAsync(IReadOnlyList<string> upstreams, TimeSpan timeout)
    {
        var config = Path.Combine(_dir, "nginx.conf");
        File.WriteAllText(config, Config(_dir, Port, upstreams));
        await ChildProcess.RunAsync(ServerPaths.Find("nginx"), ["-p", _dir, "-c", config, "-s", "reload"], runAs: null, timeout);

        await WaitReachesAllAsync(upstreams, timeout);
    }

    /// <summary>
    /// Returns once every one of <paramref name="upstreams"/> has answered a request through nginx: after a replica
    /// came back, nginx skips it for <c>fail_timeout</c> from its last failed attempt.
    /// </summary>
    public async Task WaitReachesAllAsync(IReadOnlyList<string> upstreams, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, UseProxy = false });
        var reached = new HashSet<string>(StringComparer.Ordinal);
        while (!upstreams.All(reached.Contains))
        {
            // A new connection each time, so a request never stays with an old worker on a kept-alive connection.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{BaseUrl}/healthz") { Headers = { ConnectionClose = true } };
            using var response = await http.SendAsync(request, cts.Token);
            if (response.IsSuccessStatusCode && response.Headers.TryGetValues("X-Upstream", out var values) && values.FirstOrDefault() is { } upstream)
            {
                reached.Add(upstream);
            }
            else
            {
                await Task.Delay(50, cts.Token);
            }
        }
    }

    private async Task<bool> WaitListeningAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!cts.IsCancellationRequested)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port, cts.Token);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(20, cts.Token);
            }
        }

        return false;
    }

    private static string Config(string dir, int port, IReadOnlyList<string> upstreams) => $$"""
        daemon off;
        worker_processes 1;
        pid {{dir}}/nginx.pid;
        error_log {{dir}}/error.log warn;
        events { worker_connections 1024; }
        http {
            log_format routing '$upstream_addr $http_mcp_session_id $request_method $status $request_uri $http_mcp_protocol_version';
            access_log {{dir}}/access.log routing;
            client_body_temp_path {{dir}}/body;
            proxy_temp_path {{dir}}/proxy;
            fastcgi_temp_path {{dir}}/fastcgi;
            uwsgi_temp_path {{dir}}/uwsgi;
            scgi_temp_path {{dir}}/scgi;
            upstream portcullis {
        {{(upstreams.Count == 0 ? "        server 127.0.0.1:1 down;" : string.Join("\n", upstreams.Select(u => $"        server {u} max_fails=1 fail_timeout=2s;")))}}
                keepalive 32;
            }
            server {
                listen 127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}};
                location / {
                    proxy_pass http://portcullis;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_buffering off;
                    proxy_cache off;
                    proxy_read_timeout 3600s;
                    proxy_send_timeout 3600s;
                    proxy_connect_timeout 2s;
                    proxy_next_upstream error timeout;
                    add_header X-Upstream $upstream_addr always;
                }
                large_client_header_buffers 4 32k;
            }
        }
        """;

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        ScratchDir.Remove(_dir);
    }
}
