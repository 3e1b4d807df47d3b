using System.Net;
using System.Net.Sockets;

namespace Portcullis.Testing.Servers;

/// <summary>For servers that cannot bind port 0 and report it (nginx): a port free a moment ago; callers retry on a bind failure.</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
