namespace Portcullis.Core.Upstreams;

/// <summary>A stdio upstream cannot be started: its command, its entry file or its working folder is missing.</summary>
internal sealed class UpstreamLaunchException : Exception
{
    public UpstreamLaunchException()
    {
    }

    public UpstreamLaunchException(string message)
        : base(message)
    {
    }

    public UpstreamLaunchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
