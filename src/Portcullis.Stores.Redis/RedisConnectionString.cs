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
        var parts = Entries(connectionString);
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

    /// <summary>
    /// The place (1 for the first) of the first server entry the driver cannot read and would skip without a word
    /// (<c>h:notaport</c>), or 0 when it reads them all. An entry without <c>=</c> is a server entry.
    /// </summary>
    public static int UnreadableServerEntry(string connectionString)
    {
        var place = 0;
        foreach (var entry in Entries(connectionString).Where(e => !e.Contains('=', StringComparison.Ordinal)))
        {
            place++;
            if (!entry.StartsWith("unix:", StringComparison.Ordinal) && ConfigurationOptions.Parse(entry).EndPoints.Count == 0)
            {
                return place;
            }
        }

        return 0;
    }

    private static string[] Entries(string connectionString) =>
        connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
