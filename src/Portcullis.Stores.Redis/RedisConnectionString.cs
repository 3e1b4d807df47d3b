using System.Net.Sockets;
using StackExchange.Redis;

namespace Portcullis.Stores.Redis;

/// <summary>
/// StackExchange.Redis's configuration string, plus <c>unix:/path/to/redis.sock</c> endpoints, which its parser does
/// not read (a Redis on the same host is best reached on its socket).
/// </summary>
public static class RedisConnectionString
{
    public static ConfigurationOptions Parse(string connectionString)
    {
        var parts = connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var sockets = parts.Where(p => p.StartsWith("unix:", StringComparison.Ordinal)).Select(p => p["unix:".Length..]).ToList();
        var rest = string.Join(',', parts.Where(p => !p.StartsWith("unix:", StringComparison.Ordinal)));
        // A socket alone leaves nothing for the parser, which refuses an empty string.
        var options = rest.Length == 0 ? new ConfigurationOptions() : ConfigurationOptions.Parse(rest);
        foreach (var socket in sockets)
        {
            options.EndPoints.Add(new UnixDomainSocketEndPoint(socket));
        }

        return options;
    }
}
