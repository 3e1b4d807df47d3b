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
        var options = ConfigurationOptions.Parse(string.Join(',', parts.Where(p => !p.StartsWith("unix:", StringComparison.Ordinal))));
        foreach (var socket in sockets)
        {
            options.EndPoints.Add(new UnixDomainSocketEndPoint(socket));
        }

        return options;
    }
}
