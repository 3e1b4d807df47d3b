namespace Portcullis.Downstream;

/// <summary>
/// Left on an MCP POST once the MCP layer took it past its transport's checks (it built a server for the request) or
/// another replica was handed it to answer: an error status after that is not the transport's refusal, which
/// <see cref="JsonRpcRequestMiddleware"/> counts.
/// </summary>
internal sealed class TakenPastTheTransport
{
    public static readonly TakenPastTheTransport Instance = new();

    private TakenPastTheTransport()
    {
    }
}
